import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import type { Tile } from './generateTiles.js';

/** A spooled tile: where it is, not its bytes (its content hash tells identical tiles apart). */
export interface SpooledTile {
  z: number;
  x: number;
  y: number;
  tileId: number;
  length: number;
  hash: string;
  /** Where its bytes are in the spool file. */
  at: number;
}

/**
 * Encoded tiles held on disk instead of in memory while a version is tiled: each tile's
 * bytes are appended to a temp file as it is cut (identical tiles once), and only its
 * coordinates, length and hash stay in memory. The archives are then written from it in
 * tile id order (`inOrder`), so they are byte for byte what the tiles held in memory gave.
 */
export class TileSpool {
  readonly path: string;
  readonly #fd: number;
  readonly #tiles: SpooledTile[] = [];
  readonly #stored = new Map<string, number>();
  #end = 0;

  constructor(path: string) {
    this.path = path;
    this.#fd = openSync(path, 'wx+', 0o600);
  }

  get count(): number {
    return this.#tiles.length;
  }

  add(z: number, x: number, y: number, tileId: number, data: Uint8Array): void {
    const hash = createHash('sha256').update(data).digest('base64');
    let at = this.#stored.get(hash);
    if (at === undefined) {
      at = this.#end;
      let off = 0;
      while (off < data.length) off += writeSync(this.#fd, data, off, data.length - off, at + off);
      this.#end += data.length;
      this.#stored.set(hash, at);
    }
    this.#tiles.push({ z, x, y, tileId, length: data.length, hash, at });
  }

  /** The spooled tiles sorted by tile id (ids are unique: one tile per z/x/y). */
  sorted(): SpooledTile[] {
    return this.#tiles.sort((a, b) => a.tileId - b.tileId);
  }

  /** A spooled tile's bytes, read back from the file. */
  read(t: SpooledTile): Buffer {
    const buf = Buffer.allocUnsafe(t.length);
    let off = 0;
    while (off < t.length) {
      const n = readSync(this.#fd, buf, off, t.length - off, t.at + off);
      if (n === 0) throw new Error(`tile spool ${this.path} ends before ${t.z}/${t.x}/${t.y}`);
      off += n;
    }
    return buf;
  }

  /** The tiles in tile id order, each with its bytes (read one at a time). */
  *inOrder(): Generator<Tile> {
    for (const t of this.sorted()) yield { z: t.z, x: t.x, y: t.y, tileId: t.tileId, data: this.read(t) };
  }

  /** Closes and removes the spool file. */
  dispose(): void {
    closeSync(this.#fd);
    rmSync(this.path, { force: true });
  }
}
