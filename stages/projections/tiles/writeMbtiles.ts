import Database from 'better-sqlite3';
import type { Tile } from './generateTiles.js';
import type { TileArchiveMetadata } from './tileArchiveMetadata.js';

/** The MBTiles 1.3 `metadata` rows of an archive (name order), values as text. */
export function mbtilesMetadataRows(m: TileArchiveMetadata): [string, string][] {
  const { vector_layers, bounds, center, ...rest } = m;
  const rows: [string, string][] = Object.entries(rest).map(([k, v]) => [k, String(v)]);
  rows.push(['bounds', bounds.join(',')], ['center', center.join(',')], ['json', JSON.stringify({ vector_layers })]);
  return rows.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Writes an MBTiles 1.3 file at `path` (which must not exist; callers write a temp path and
 * rename it into place): `metadata`, and `tiles` in TMS rows (row = 2^z − 1 − y), gzip
 * MVT, inserted in the order given (tile id order: callers sort) in one transaction, so the
 * same tiles give the same bytes. `tiles` may be a generator reading them one at a time.
 */
export function writeMbtiles(path: string, tiles: Iterable<Tile>, metadata: TileArchiveMetadata): void {
  const db = new Database(path);
  try {
    db.pragma('journal_mode = DELETE');
    db.exec(`CREATE TABLE metadata (name TEXT, value TEXT);
      CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB);
      CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row);
      CREATE UNIQUE INDEX name ON metadata (name);`);
    const meta = db.prepare('INSERT INTO metadata (name, value) VALUES (?, ?)');
    const tile = db.prepare('INSERT INTO tiles (zoom_level, tile_column, tile_row, tile_data) VALUES (?, ?, ?, ?)');
    db.transaction(() => {
      for (const [k, v] of mbtilesMetadataRows(metadata)) meta.run(k, v);
      for (const t of tiles) tile.run(t.z, t.x, 2 ** t.z - 1 - t.y, t.data);
    })();
  } finally {
    db.close();
  }
}
