import { PmtilesFileSource } from '../../stages/projections/tiles/pmtilesFileSource.js';
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { PMTiles } from 'pmtiles';
import { badRequest } from './apiError.js';

/** The highest zoom a tile request may name (as the tiles target allows). */
export const MAX_ZOOM = 24;

/** z/x/y from the URL, checked: integers, 0 ≤ z ≤ 24, 0 ≤ x, y < 2^z (else 400 `bad_tile`). */
export function tileCoordinates(z: string, x: string, y: string): { z: number; x: number; y: number } {
  const int = (s: string) => (/^(0|[1-9][0-9]{0,8})$/.test(s) ? Number(s) : NaN);
  const c = { z: int(z), x: int(x), y: int(y) };
  if (Number.isNaN(c.z) || Number.isNaN(c.x) || Number.isNaN(c.y)) throw badRequest(`tile ${z}/${x}/${y}: z, x and y must be non-negative integers`, 'bad_tile');
  if (c.z > MAX_ZOOM) throw badRequest(`tile ${z}/${x}/${y}: zoom ${c.z} is over ${MAX_ZOOM}`, 'bad_tile');
  const n = 2 ** c.z;
  if (c.x >= n || c.y >= n) throw badRequest(`tile ${z}/${x}/${y}: at zoom ${c.z}, x and y run 0–${n - 1}`, 'bad_tile');
  return c;
}

/** The dataset's projected archives (`<tiles dir>/<slug>.mbtiles`, `.pmtiles`), as written by the tiles target. */
export function archivePaths(tilesDir: string, slug: string): { mbtiles: string; pmtiles: string } {
  return { mbtiles: join(tilesDir, `${slug}.mbtiles`), pmtiles: join(tilesDir, `${slug}.pmtiles`) };
}

/**
 * One gzip-compressed MVT tile of the dataset's projected archive: from the MBTiles (TMS
 * rows: `row = 2^z − 1 − y`), else from the PMTiles (read with the `pmtiles` package, then
 * gzipped again). `absent` when the archive has no tile there; undefined when the dataset
 * has no archive.
 */
export async function readTile(tilesDir: string, slug: string, z: number, x: number, y: number): Promise<Buffer | 'absent' | undefined> {
  const { mbtiles, pmtiles } = archivePaths(tilesDir, slug);
  if (existsSync(mbtiles)) {
    const db = new Database(mbtiles, { readonly: true, fileMustExist: true });
    try {
      const row = db.prepare('SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?').get(z, x, 2 ** z - 1 - y) as { tile_data: Buffer } | undefined;
      return row ? row.tile_data : 'absent';
    } finally {
      db.close();
    }
  }
  if (existsSync(pmtiles)) {
    const tile = await new PMTiles(new PmtilesFileSource(pmtiles)).getZxy(z, x, y);
    return tile ? gzipSync(Buffer.from(tile.data)) : 'absent';
  }
  return undefined;
}
