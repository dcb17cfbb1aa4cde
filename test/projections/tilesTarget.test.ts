/**
 * Vector tiles of the real Kansas versions, read back by independent readers: the pmtiles
 * package returns every tile of the PMTiles archive byte-identical to the MBTiles one,
 * GDAL's ogrinfo opens the MBTiles (skipped with the reason only where GDAL is absent and
 * CI is not set), the same version gives the same bytes, and a replaced archive is drift.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, openSync, readFileSync, rmSync, closeSync, readSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { PMTiles } from 'pmtiles';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProjectedVersion } from '../../stages/projections/projectedVersion.js';
import { readProjectedVersion } from '../../stages/projections/readProjectedVersion.js';
import { TilesTarget } from '../../stages/projections/tiles/tilesTarget.js';
import { decodeHeader, HEADER_LENGTH } from '../../stages/projections/tiles/pmtilesHeader.js';
import { buildKansasProject, KANSAS_SLUGS, type KansasProject } from '../support/kansasProject.js';
import { PmtilesFileSource } from '../../stages/projections/tiles/pmtilesFileSource.js';
import { reprocessKansasPlaces } from '../support/reprocessKansasPlaces.js';

const ZOOM = { minzoom: 0, maxzoom: 8 };
const ogrinfo = spawnSync('ogrinfo', ['--version'], { encoding: 'utf8' }).status === 0;
if (!ogrinfo && process.env.CI) throw new Error('GDAL ogrinfo is not installed; CI must run the tile archive checks (apt-get install gdal-bin)');
if (!ogrinfo) console.warn('skipping the ogrinfo checks of the MBTiles archives: GDAL ogrinfo is not installed (apt-get install gdal-bin)');

describe('the vector tile projection', () => {
  let project: KansasProject;
  let versions: Record<string, ProjectedVersion>;
  let dir: string;
  let target: TilesTarget;

  beforeAll(async () => {
    project = buildKansasProject();
    versions = {};
    for (const slug of KANSAS_SLUGS) versions[slug] = await readProjectedVersion(project.paths, project.store, slug, project.dvids[slug]);
    dir = join(project.dir, 'projections', 'tiles');
    target = new TilesTarget({ dir, store: project.store, zoom: ZOOM });
    for (const slug of KANSAS_SLUGS) expect((await target.load(versions[slug]!)).status).toBe('loaded');
  });
  afterAll(() => project?.remove());

  const tilesOf = (path: string) => {
    const db = new Database(path, { readonly: true });
    try {
      return db.prepare('SELECT zoom_level AS z, tile_column AS x, tile_row AS row, tile_data AS data FROM tiles ORDER BY 1, 2, 3').all() as { z: number; x: number; row: number; data: Buffer }[];
    } finally {
      db.close();
    }
  };

  it('writes PMTiles whose every tile the pmtiles package reads back byte-identical to the MBTiles tile (TMS rows)', async () => {
    for (const slug of KANSAS_SLUGS) {
      const dvid = project.dvids[slug];
      const mb = tilesOf(join(dir, slug, `${dvid}.mbtiles`));
      expect(mb.length).toBeGreaterThan(10);
      const pm = new PMTiles(new PmtilesFileSource(join(dir, slug, `${dvid}.pmtiles`)));
      const header = await pm.getHeader();
      expect(header).toMatchObject({ specVersion: 3, tileType: 1, tileCompression: 2, internalCompression: 2, minZoom: 0, maxZoom: 8, numAddressedTiles: mb.length, clustered: true });
      for (const t of mb) {
        const y = 2 ** t.z - 1 - t.row;
        const got = await pm.getZxy(t.z, t.x, y);
        expect(got, `${slug} ${t.z}/${t.x}/${y}`).toBeDefined();
        expect(Buffer.from(got!.data).equals(gunzipSync(t.data))).toBe(true);
      }
      expect(await pm.getZxy(8, 0, 0)).toBeUndefined();
      const meta = (await pm.getMetadata()) as { dataset_version_id: string; feature_count: number; vector_layers: { id: string }[] };
      expect(meta).toMatchObject({ dataset_version_id: dvid, feature_count: versions[slug]!.artifacts[0]!.feature_count, vector_layers: [{ id: slug }] });
      const bbox = versions[slug]!.extents.bbox!;
      expect([header.minLon, header.minLat, header.maxLon, header.maxLat].map((v, i) => Math.abs(v - bbox[i]!) < 1e-7)).toEqual([true, true, true, true]);
    }
  });

  it.skipIf(!ogrinfo)('opens each MBTiles archive with GDAL ogrinfo: its layer and its features at the top zoom', () => {
    for (const slug of KANSAS_SLUGS) {
      const out = execFileSync('ogrinfo', ['-ro', '-so', '-al', join(dir, `${slug}.mbtiles`)], { encoding: 'utf8' });
      expect(out).toContain(`Layer name: ${slug}`);
      const count = Number(/Feature Count: (\d+)/.exec(out)?.[1]);
      // Tiles overlap by their buffer: a feature near a tile edge is in each tile it touches.
      expect(count).toBeGreaterThanOrEqual(versions[slug]!.artifacts[0]!.feature_count);
    }
  });

  it('gives the same bytes for the same version, and a second load changes nothing', async () => {
    const other = mkdtempSync(join(tmpdir(), 'kfm-tiles-'));
    try {
      const again = new TilesTarget({ dir: other, store: project.store, zoom: ZOOM });
      const v = versions.ks_counties!;
      await again.load(v);
      for (const ext of ['pmtiles', 'mbtiles']) {
        const name = join('ks_counties', `${v.dataset_version_id}.${ext}`);
        expect(readFileSync(join(other, name)).equals(readFileSync(join(dir, name)))).toBe(true);
      }
      const before = statSync(join(dir, 'ks_counties', `${v.dataset_version_id}.pmtiles`)).mtimeMs;
      expect((await target.load(v)).status).toBe('unchanged');
      expect(statSync(join(dir, 'ks_counties', `${v.dataset_version_id}.pmtiles`)).mtimeMs).toBe(before);
      expect((await target.check(v)).status).toBe('current');
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('names a replaced archive as drift, and a reload repairs it', async () => {
    const counties = versions.ks_counties!;
    const own = join(dir, 'ks_counties', `${counties.dataset_version_id}.pmtiles`);
    copyFileSync(join(dir, 'ks_places_per_county', `${project.dvids.ks_places_per_county}.pmtiles`), own);
    const drift = await target.check(counties);
    expect(drift.drifts.map((d) => d.what)).toEqual(['archive_digest', 'archive_version']);
    // The projected MBTiles replaced by another dataset's: checked first, it is not the version's.
    copyFileSync(join(dir, 'ks_places.mbtiles'), join(dir, 'ks_counties.mbtiles'));
    expect((await target.check(counties)).drifts.map((d) => d.what)).toEqual(['not_current', 'archive_digest', 'archive_version']);
    expect((await target.load(counties)).status).toBe('loaded');
    expect(await target.check(counties)).toMatchObject({ status: 'current', drifts: [] });
  });

  it('swaps the projected archives by rename: a reader holding the old file still reads the old version whole', async () => {
    const v1 = versions.ks_places!;
    const v2 = await readProjectedVersion(project.paths, project.store, 'ks_places', reprocessKansasPlaces(project));
    expect((await target.load(v2, { activate: false })).current_version_id).toBe(v1.dataset_version_id);
    const current = join(dir, 'ks_places.pmtiles');
    const fd = openSync(current, 'r');
    try {
      const size = statSync(current).size;
      expect(await target.swap('ks_places', v2.dataset_version_id)).toEqual({ target: 'tiles', dataset_slug: 'ks_places', from: v1.dataset_version_id, to: v2.dataset_version_id });
      const old = Buffer.alloc(size);
      readSync(fd, old, 0, size, 0);
      expect(old.equals(readFileSync(join(dir, 'ks_places', `${v1.dataset_version_id}.pmtiles`)))).toBe(true);
      expect(decodeHeader(old.subarray(0, HEADER_LENGTH), 'old').addressedTiles).toBeGreaterThan(0);
    } finally {
      closeSync(fd);
    }
    expect(readFileSync(current).equals(readFileSync(join(dir, 'ks_places', `${v2.dataset_version_id}.pmtiles`)))).toBe(true);
    expect((await target.check(v2)).status).toBe('current');
    expect((await target.check(v1)).drifts.map((d) => d.what)).toEqual(['not_current', 'not_current']);
    await expect(target.swap('ks_places', '2017.00000000')).rejects.toThrow('ks_places@2017.00000000 is not loaded');
  });
});
