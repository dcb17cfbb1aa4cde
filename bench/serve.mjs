// `kfm serve` under load: GET /api/v1/lineage/status with 100 registered datasets, on
// loopback, from autocannon for a fixed time. `node bench/run.mjs --serve [--quick]`
// (dist/ must be built). Prints p50/p99 latency and requests/s; writes <out>/serve.json.
// A benchmark, not a test: nothing here passes or fails on a time.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = resolve(here, '..');
const KFM = join(root, 'bin', 'kfm.js');

/** A kfmfile of `n` small datasets (the `kfm init` starter's shape: a CSV ingested and turned into GeoJSON). */
function kfmfile(n) {
  return `import { dataset, defineKfm, ingest, task } from 'kfm';
const terms = { license: 'CC-BY-4.0', attribution: 'Example places (c) bench, CC BY 4.0' };
const spec = (i) => ({
  kfm_spec_version: 'v1',
  dataset_slug: 'places_' + String(i).padStart(3, '0'),
  title: 'Bench places ' + i,
  description: 'A few named points.',
  upstream: { authority: 'bench', access_method: 'file', endpoints: [{ name: 'places.csv', url: 'file:src/places.csv', parameters: {} }], cadence: 'on change', terms_snapshot: terms },
  sensitivity: { policy_label_intent: 'public', pii_risk: 'none', sensitive_location_risk: 'none', obligations: ['attribution'] },
  normalization: { canonical_fields: ['name'], units: { coordinates: 'degrees' }, crs: 'EPSG:4326' },
  validation: { checks: [{ name: 'feature_count', threshold: '>= 1' }] },
  outputs: [{ artifact_type: 'geojson', path: 'places.geojson' }, { artifact_type: 'qa_report', path: 'qa/validation_report.json' }],
});
export default defineKfm({
  datasets: Array.from({ length: ${n} }, (_, i) => dataset(spec(i), [
    ingest('ingest', { source: 'file:src/places.csv', terms }),
    task('transform', { run: './tasks/csvToGeojson.ts', deps: ['ingest'], params: { source: 'places.csv', output: 'places.geojson' } }),
    task('qa', {
      run: './tasks/qa/qaTask.ts',
      operation: 'qa',
      deps: ['transform'],
      params: { artifact: 'transform', output: 'places.geojson', required_fields: ['name'], id_field: 'name', bbox: [-180, -90, 180, 90], checks: [{ name: 'feature_count', threshold: '>= 1' }] },
    }),
  ], { slice: '2024' })),
});
`;
}

function kfm(dir, args, allowed = [0]) {
  const r = spawnSync(process.execPath, [KFM, ...args], { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (!allowed.includes(r.status)) throw new Error(`kfm ${args.join(' ')} exited ${r.status}: ${r.stderr.slice(-2000)}`);
  return r.stdout;
}

export async function runServe(opts) {
  const datasets = 100;
  const duration = opts.quick ? 5 : 15;
  const connections = 10;
  const dir = mkdtempSync(join(tmpdir(), 'kfm-bench-serve-'));
  try {
    kfm(dir, ['init']);
    writeFileSync(join(dir, 'kfmfile.ts'), kfmfile(datasets));
    // The repository's QA task (and the helpers it imports) beside the starter's transform.
    cpSync(join(root, 'tasks'), join(dir, 'tasks'), { recursive: true });
    cpSync(join(root, 'kfm.policy.json'), join(dir, 'kfm.policy.json'));
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
    const t0 = performance.now();
    const report = JSON.parse(kfm(dir, ['build', '--json']));
    process.stdout.write(`serve: built ${report.versions.length} datasets in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    // A mix of badges: the first ten put to promotion (promoted: healthy; denied: degraded), the rest candidates (unknown).
    for (const v of report.versions.slice(0, 10)) kfm(dir, ['promote', `${v.dataset_slug}@${v.dataset_version_id}`], [0, 1]);

    const server = spawn(process.execPath, [KFM, 'serve', '--port', '0', '--json'], { cwd: dir, stdio: ['ignore', 'pipe', 'inherit'] });
    const url = await new Promise((resolveUrl, reject) => {
      let out = '';
      server.stdout.on('data', (d) => {
        out += d;
        if (out.includes('\n')) resolveUrl(JSON.parse(out.split('\n')[0]).url);
      });
      server.on('exit', (code) => reject(new Error(`kfm serve exited ${code}`)));
    });
    try {
      const probe = await (await fetch(`${url}/api/v1/lineage/status`)).json();
      if (probe.datasets.length !== datasets) throw new Error(`status lists ${probe.datasets.length} datasets, not ${datasets}`);
      const badges = {};
      for (const d of probe.datasets) badges[d.badge] = (badges[d.badge] ?? 0) + 1;
      process.stdout.write(`serve: badges ${JSON.stringify(badges)}\n`);
      // The answer computed afresh (what a request pays after the project changed), in this process.
      const { lineageStatus } = await import(join(root, 'dist', 'stages', 'lineage', 'lineageStatus.js'));
      const { projectPaths } = await import(join(root, 'dist', 'engine', 'load', 'projectPaths.js'));
      const paths = projectPaths(join(dir, 'kfmfile.ts'));
      const fresh = [];
      for (let i = 0; i < 7; i++) {
        const t = performance.now();
        await lineageStatus(paths);
        fresh.push(performance.now() - t);
      }
      const computeMs = Math.round([...fresh].sort((a, b) => a - b)[3] * 10) / 10;
      const result = await autocannon({ url: `${url}/api/v1/lineage/status`, connections, duration });
      const summary = {
        datasets,
        badges,
        connections,
        duration_s: duration,
        requests: result.requests.total,
        non_2xx: result.non2xx,
        errors: result.errors,
        latency_ms: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
        requests_per_s: result.requests.average,
        compute_ms_median: computeMs,
      };
      process.stdout.write(
        `serve: GET /api/v1/lineage/status, ${datasets} datasets, ${connections} connections, ${duration} s: ${summary.requests} requests (${summary.non_2xx} non-2xx, ${summary.errors} errors), p50 ${summary.latency_ms.p50} ms, p99 ${summary.latency_ms.p99} ms, ${summary.requests_per_s} req/s; the answer computed afresh (after a change) ${computeMs} ms (median of 7)\n`,
      );
      writeFileSync(join(opts.out, 'serve.json'), JSON.stringify(summary, null, 2) + '\n');
    } finally {
      server.kill('SIGTERM');
    }
  } finally {
    if (opts.keep) process.stdout.write(`serve: kept the project in ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
  }
}
