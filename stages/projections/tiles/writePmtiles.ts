import { createHash } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { canonicalJson } from '../../../core/canonicalJson.js';
import type { Tile } from './generateTiles.js';
import { buildDirectories, type DirectoryEntry } from './pmtilesDirectory.js';
import { encodeHeader, GZIP, HEADER_LENGTH, MVT } from './pmtilesHeader.js';
import type { TileArchiveMetadata } from './tileArchiveMetadata.js';
import type { TileSpool } from './tileSpool.js';

/** What the archive's layout needs of a tile: its id, its length and a hash of its bytes. */
export interface PmtilesTile {
  tileId: number;
  length: number;
  hash: string;
}

/**
 * A PMTiles v3 archive of tiles (sorted by tile id), laid out: `head` is the header, root
 * directory, metadata (canonical JSON) and leaf directories, in that order, and
 * `contents` the tiles whose bytes follow it, in that order. Directories, metadata and
 * tiles are gzip-compressed; identical tiles are stored once (runs of consecutive ids
 * share one entry), so the archive is clustered. No timestamps: the same tiles and
 * metadata give the same bytes.
 */
export function pmtilesLayout<T extends PmtilesTile>(tiles: T[], metadata: TileArchiveMetadata): { head: Buffer; contents: T[] } {
  const entries: DirectoryEntry[] = [];
  const contents: T[] = [];
  const stored = new Map<string, { offset: number; length: number }>();
  let dataLength = 0;
  for (const t of tiles) {
    const last = entries[entries.length - 1];
    let at = stored.get(t.hash);
    if (last && at && last.offset === at.offset && last.tileId + last.runLength === t.tileId) {
      last.runLength++;
      continue;
    }
    if (!at) {
      at = { offset: dataLength, length: t.length };
      stored.set(t.hash, at);
      contents.push(t);
      dataLength += t.length;
    }
    entries.push({ tileId: t.tileId, offset: at.offset, length: at.length, runLength: 1 });
  }
  const { root, leaves } = buildDirectories(entries);
  const meta = gzipSync(Buffer.from(canonicalJson(metadata)), { level: 9 });
  const header = encodeHeader({
    rootOffset: HEADER_LENGTH,
    rootLength: root.length,
    metadataOffset: HEADER_LENGTH + root.length,
    metadataLength: meta.length,
    leafOffset: HEADER_LENGTH + root.length + meta.length,
    leafLength: leaves.length,
    tileDataOffset: HEADER_LENGTH + root.length + meta.length + leaves.length,
    tileDataLength: dataLength,
    addressedTiles: tiles.length,
    tileEntries: entries.length,
    tileContents: stored.size,
    clustered: true,
    internalCompression: GZIP,
    tileCompression: GZIP,
    tileType: MVT,
    minZoom: metadata.minzoom,
    maxZoom: metadata.maxzoom,
    bounds: metadata.bounds,
    centerZoom: metadata.center[2],
    center: [metadata.center[0], metadata.center[1]],
  });
  return { head: Buffer.concat([header, root, meta, leaves]), contents };
}

/** A PMTiles v3 archive of tiles held in memory (sorted by tile id), as bytes (pmtilesLayout). */
export function pmtilesBytes(tiles: Tile[], metadata: TileArchiveMetadata): Buffer {
  const hashed = tiles.map((t) => ({ ...t, length: t.data.length, hash: createHash('sha256').update(t.data).digest('base64') }));
  const { head, contents } = pmtilesLayout(hashed, metadata);
  return Buffer.concat([head, ...contents.map((t) => t.data)]);
}

/** Bytes gathered before a write: tile data goes to the file in chunks of about this size. */
const WRITE_CHUNK = 1 << 20;

/**
 * Writes the PMTiles v3 archive of a spool's tiles at `path` (which must not exist;
 * callers write a temp path and rename it into place), reading each stored tile back from
 * the spool: the same bytes as pmtilesBytes of the same tiles, without holding them.
 */
export function writePmtiles(path: string, spool: TileSpool, metadata: TileArchiveMetadata): void {
  const { head, contents } = pmtilesLayout(spool.sorted(), metadata);
  const fd = openSync(path, 'wx', 0o644);
  try {
    let pending: Buffer[] = [head];
    let size = head.length;
    const flush = () => {
      const bytes = Buffer.concat(pending, size);
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
      pending = [];
      size = 0;
    };
    for (const t of contents) {
      pending.push(spool.read(t));
      size += t.length;
      if (size >= WRITE_CHUNK) flush();
    }
    flush();
  } finally {
    closeSync(fd);
  }
}
