import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { canonicalJson } from '../../../core/canonicalJson.js';
import type { Tile } from './generateTiles.js';
import { buildDirectories, type DirectoryEntry } from './pmtilesDirectory.js';
import { encodeHeader, GZIP, HEADER_LENGTH, MVT } from './pmtilesHeader.js';
import type { TileArchiveMetadata } from './tileArchiveMetadata.js';

/**
 * A PMTiles v3 archive of tiles (sorted by tile id), as bytes: header, root directory,
 * metadata (canonical JSON), leaf directories, tile data, in that order. Directories,
 * metadata and tiles are gzip-compressed; identical tiles are stored once (runs of
 * consecutive ids share one entry), so the archive is clustered. No timestamps: the same
 * tiles and metadata give the same bytes.
 */
export function pmtilesBytes(tiles: Tile[], metadata: TileArchiveMetadata): Buffer {
  const entries: DirectoryEntry[] = [];
  const parts: Buffer[] = [];
  const stored = new Map<string, { offset: number; length: number }>();
  let dataLength = 0;
  for (const t of tiles) {
    const hash = createHash('sha256').update(t.data).digest('hex');
    const last = entries[entries.length - 1];
    let at = stored.get(hash);
    if (last && at && last.offset === at.offset && last.tileId + last.runLength === t.tileId) {
      last.runLength++;
      continue;
    }
    if (!at) {
      at = { offset: dataLength, length: t.data.length };
      stored.set(hash, at);
      parts.push(t.data);
      dataLength += t.data.length;
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
  return Buffer.concat([header, root, meta, leaves, ...parts]);
}
