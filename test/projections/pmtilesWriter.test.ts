/**
 * The in-repo PMTiles v3 writer against the pmtiles package as the oracle: tile ids equal
 * the package's, an archive too large for one root directory gets leaf directories that the
 * package follows, runs of identical tiles share one entry, and the same input gives the
 * same bytes. Written from a spool (tiles on disk, added in any order), an archive is byte for
 * byte the in-memory one, and so is the MBTiles file.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { PMTiles, zxyToTileId as oracleTileId } from 'pmtiles';
import { describe, expect, it } from 'vitest';
import type { Tile } from '../../stages/projections/tiles/generateTiles.js';
import { ROOT_BUDGET } from '../../stages/projections/tiles/pmtilesDirectory.js';
import { decodeHeader } from '../../stages/projections/tiles/pmtilesHeader.js';
import type { TileArchiveMetadata } from '../../stages/projections/tiles/tileArchiveMetadata.js';
import { zxyToTileId } from '../../stages/projections/tiles/tileId.js';
import { TileSpool } from '../../stages/projections/tiles/tileSpool.js';
import { writeMbtiles } from '../../stages/projections/tiles/writeMbtiles.js';
import { pmtilesBytes, writePmtiles } from '../../stages/projections/tiles/writePmtiles.js';
import { PmtilesFileSource } from '../../stages/projections/tiles/pmtilesFileSource.js';

const META: TileArchiveMetadata = {
  name: 'synthetic', format: 'pbf', type: 'overlay', bounds: [-180, -85, 180, 85], center: [0, 0, 0], minzoom: 0, maxzoom: 9,
  vector_layers: [], kfm_projection_version: 'v1', dataset_slug: 'synthetic', dataset_version_id: '2017.00000000', spec_hash: `sha256:${'0'.repeat(64)}`,
  feature_count: 0, tile_count: 0,
};

/** The content of the i-th tile: runs of 3 equal tiles every 100; pseudo-random letters (incompressible-ish) of pseudo-random length. */
function text(i: number): string {
  const k = i % 100 < 3 ? Math.floor(i / 100) * 100 : i;
  let h = Math.imul(k + 1, 2654435761) >>> 0;
  let out = `tile ${k} `;
  for (let j = h % 300; j > 0; j--) {
    h = (Math.imul(h, 1103515245) + 12345) >>> 0;
    out += String.fromCharCode(97 + (h >>> 16) % 26);
  }
  return out;
}

describe('the PMTiles v3 writer', () => {
  it('numbers tiles as the pmtiles package does (Hilbert order per zoom)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 26 }).chain((z) => fc.tuple(fc.constant(z), fc.integer({ min: 0, max: 2 ** z - 1 }), fc.integer({ min: 0, max: 2 ** z - 1 }))), ([z, x, y]) => {
        expect(zxyToTileId(z, x, y)).toBe(oracleTileId(z, x, y));
      }),
      { numRuns: 2000 },
    );
  });

  it('writes leaf directories when the root would not fit, and runs of equal tiles as one entry; the package reads every tile', async () => {
    // Every tile of zoom 8 (65,536), of pseudo-random sizes (so the directory does not compress
    // into the root), distinct except for runs of 3 equal tiles every 100 ids.
    const tiles: Tile[] = [];
    const n = 2 ** 8;
    for (let x = 0; x < n; x++) for (let y = 0; y < n; y++) tiles.push({ z: 8, x, y, tileId: zxyToTileId(8, x, y), data: Buffer.alloc(0) });
    tiles.sort((a, b) => a.tileId - b.tileId);
    tiles.forEach((t, i) => (t.data = gzipSync(Buffer.from(text(i)), { level: 1 })));
    const meta = { ...META, minzoom: 8, maxzoom: 8, tile_count: tiles.length };
    const bytes = pmtilesBytes(tiles, meta);
    expect(pmtilesBytes(tiles, meta).equals(bytes)).toBe(true);
    const header = decodeHeader(bytes, 'synthetic');
    expect(header.leafLength).toBeGreaterThan(0);
    expect(header.rootLength).toBeLessThanOrEqual(ROOT_BUDGET);
    expect(header.addressedTiles).toBe(n * n);
    expect(header.tileEntries).toBe(n * n - 2 * Math.ceil((n * n) / 100));
    expect(header.tileContents).toBe(header.tileEntries);

    const dir = mkdtempSync(join(tmpdir(), 'kfm-pmtiles-'));
    try {
      writeFileSync(join(dir, 'a.pmtiles'), bytes);
      const pm = new PMTiles(new PmtilesFileSource(join(dir, 'a.pmtiles')));
      for (let i = 0; i < tiles.length; i += 37) {
        const t = tiles[i]!;
        const got = await pm.getZxy(t.z, t.x, t.y);
        expect(Buffer.from(got!.data).toString(), `${t.z}/${t.x}/${t.y}`).toBe(text(i));
      }
      expect(await pm.getZxy(7, 0, 0)).toBeUndefined();
      expect(await pm.getMetadata()).toMatchObject({ dataset_version_id: '2017.00000000' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes the same archives from a spool of tiles added in any order as from the tiles in memory', () => {
    // Zooms 0-7 (21,845 tiles), a quarter of them identical (the spool stores those once), added in a shuffled order.
    const tiles: Tile[] = [];
    for (let z = 0; z <= 7; z++) for (let x = 0; x < 2 ** z; x++) for (let y = 0; y < 2 ** z; y++) tiles.push({ z, x, y, tileId: zxyToTileId(z, x, y), data: Buffer.alloc(0) });
    tiles.sort((a, b) => a.tileId - b.tileId);
    tiles.forEach((t, i) => (t.data = gzipSync(Buffer.from(i % 4 === 0 ? 'ocean' : text(i)), { level: 1 })));
    const meta = { ...META, minzoom: 0, maxzoom: 7, tile_count: tiles.length };
    const dir = mkdtempSync(join(tmpdir(), 'kfm-spool-'));
    try {
      const spool = new TileSpool(join(dir, 'spool'));
      let h = 7;
      const order = tiles.map((t, i) => [(h = (Math.imul(h, 1103515245) + 12345) >>> 0), i] as const).sort((a, b) => a[0] - b[0]);
      for (const [, i] of order) spool.add(tiles[i]!.z, tiles[i]!.x, tiles[i]!.y, tiles[i]!.tileId, tiles[i]!.data);
      expect(spool.count).toBe(tiles.length);
      writePmtiles(join(dir, 'spooled.pmtiles'), spool, meta);
      expect(readFileSync(join(dir, 'spooled.pmtiles')).equals(pmtilesBytes(tiles, meta))).toBe(true);
      writeMbtiles(join(dir, 'spooled.mbtiles'), spool.inOrder(), meta);
      writeMbtiles(join(dir, 'memory.mbtiles'), tiles, meta);
      expect(readFileSync(join(dir, 'spooled.mbtiles')).equals(readFileSync(join(dir, 'memory.mbtiles')))).toBe(true);
      spool.dispose();
      expect(existsSync(join(dir, 'spool'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
