import { gzipSync } from 'node:zlib';
import { pushVarint } from './varint.js';

/** A PMTiles v3 directory entry: a run of `runLength` tile ids sharing bytes, or (runLength 0) a leaf directory. */
export interface DirectoryEntry {
  tileId: number;
  offset: number;
  length: number;
  runLength: number;
}

/** The header and the root directory together must fit in the first 16 KiB of an archive. */
export const ROOT_BUDGET = 16384 - 127;

/**
 * A directory as PMTiles v3 stores it, gzip-compressed: the entry count, then column by
 * column the tile id deltas, run lengths, lengths and offsets (0 for "right after the
 * previous entry", else offset + 1), all varints.
 */
export function serializeDirectory(entries: DirectoryEntry[]): Buffer {
  const out: number[] = [];
  pushVarint(out, entries.length);
  let last = 0;
  for (const e of entries) {
    pushVarint(out, e.tileId - last);
    last = e.tileId;
  }
  for (const e of entries) pushVarint(out, e.runLength);
  for (const e of entries) pushVarint(out, e.length);
  entries.forEach((e, i) => {
    const prev = entries[i - 1];
    pushVarint(out, prev && e.offset === prev.offset + prev.length ? 0 : e.offset + 1);
  });
  return gzipSync(Buffer.from(out), { level: 9 });
}

/**
 * The root directory and the leaf directories of an archive's entries: all of them in the
 * root when it fits in ROOT_BUDGET, else leaves of `leafSize` entries (4096, grown by a
 * fifth until the root of leaf pointers fits), as the reference writer does.
 */
export function buildDirectories(entries: DirectoryEntry[]): { root: Buffer; leaves: Buffer } {
  const root = serializeDirectory(entries);
  if (root.length <= ROOT_BUDGET) return { root, leaves: Buffer.alloc(0) };
  for (let leafSize = 4096; ; leafSize = Math.floor(leafSize * 1.2)) {
    const pointers: DirectoryEntry[] = [];
    const parts: Buffer[] = [];
    let offset = 0;
    for (let i = 0; i < entries.length; i += leafSize) {
      const leaf = serializeDirectory(entries.slice(i, i + leafSize));
      pointers.push({ tileId: entries[i]!.tileId, offset, length: leaf.length, runLength: 0 });
      parts.push(leaf);
      offset += leaf.length;
    }
    const top = serializeDirectory(pointers);
    if (top.length <= ROOT_BUDGET) return { root: top, leaves: Buffer.concat(parts) };
  }
}
