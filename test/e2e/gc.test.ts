/**
 * `kfm gc` and `kfm clean` through the real CLI: gc removes exactly the store objects nothing
 * live names (here: the outputs of unversioned builds between versioned ones), `--dry-run`
 * removes nothing, receipts verify and fsck stay clean, and a retry after gc runs nothing;
 * `--keep-last` drops only a superseded version's bytes, never a candidate's or published
 * version's; a gc SIGKILLed mid-removal leaves a store fsck finds clean; clean empties the
 * rebuildable caches of .kfm/ and nothing else, and the build after it runs nothing.
 */
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KFMFILE_HEADER, REPO_ROOT, useCliRigs, type BuildReport, type CliRig } from '../support/cliRig.js';
import { RIG_POLICY } from '../support/cliRig.js';
import { expectValidReport } from './reportSchemas.js';

const newRig = useCliRigs();

/** One dataset without a default slice: `kfm build ks` is an unversioned (development) build, `ks@2019` a versioned one. */
const KFMFILE = (v: string) => `${KFMFILE_HEADER}export default defineKfm({ datasets: [
  dataset(spec('ks'), [task('extract', { run: './step.ts', inputs: ['raw/ks.txt'], params: { v: '${v}' } }), task('shape', { run: './step.ts', deps: ['extract'] })]),
] });
`;

/** Each output depends on the params and on its upstream's bytes, so every v gives both nodes new outputs. */
const STEP = `import type { TaskContext } from 'kfm';
export default async function step(ctx: TaskContext): Promise<void> {
  const parts = [ctx.id, JSON.stringify(ctx.params)];
  for (const input of ctx.inputs) parts.push((await input.read()).toString('utf8'));
  for (const dep of Object.keys(ctx.upstream).sort()) parts.push(await ctx.upstream[dep]![\`\${dep.split('/')[1]}.txt\`]!.text());
  await ctx.output(\`\${ctx.task}.txt\`, parts.join('|'), 'text/plain');
}
`;

interface GcReport {
  dry_run: boolean;
  keep_last: number | null;
  checked: { objects: number; live: number };
  freed: { objects: number; temp_files: number; bytes: number; human: string };
  reasons: { reason: string; objects: number; bytes: number; human: string }[];
  objects: { digest: string; size: number; reason: string }[];
  versions: { dataset_slug: string; dataset_version_id: string; status: string; retained: boolean; why: string }[];
}

function project(): CliRig {
  return newRig({ 'kfmfile.ts': KFMFILE('1'), 'step.ts': STEP, 'raw/ks.txt': 'alpha\n' });
}

/** Every object in the store, by digest. */
function storeObjects(rig: CliRig): Set<string> {
  const root = rig.path('.kfm/store/objects');
  const out = new Set<string>();
  for (const shard of readdirSync(root)) for (const rest of readdirSync(join(root, shard))) out.add(`sha256:${shard}${rest}`);
  return out;
}

async function build(rig: CliRig, target: string, v: string): Promise<BuildReport> {
  rig.write({ 'kfmfile.ts': KFMFILE(v) });
  const { result, report } = await rig.buildJson([target]);
  expect(result.code, result.stdout + result.stderr).toBe(0);
  return report;
}

/** An unversioned build with params v: the objects it added (its outputs, named by no receipt). */
async function devBuild(rig: CliRig, v: string): Promise<string[]> {
  const before = storeObjects(rig);
  const report = await build(rig, 'ks', v);
  expect(report.versions).toEqual([]);
  return [...storeObjects(rig)].filter((d) => !before.has(d));
}

async function gc(rig: CliRig, args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<GcReport> {
  const r = await rig.run(['gc', '--json', ...args], { env });
  expect(r.code, r.stdout + r.stderr).toBe(0);
  const report = JSON.parse(r.stdout) as GcReport;
  expectValidReport('gc', report);
  return report;
}

async function expectClean(rig: CliRig): Promise<void> {
  const verify = await rig.run(['receipts', 'verify']);
  expect(verify.code, verify.stdout + verify.stderr).toBe(0);
  const fsck = await rig.run(['fsck']);
  expect(fsck.code, fsck.stdout + fsck.stderr).toBe(0);
  expect(fsck.stdout).toMatch(/^fsck clean: /);
}

/** Three versions of ks@2019 (v = 1, 2, 3), with an unversioned build before each reprocess: what those left. */
async function threeVersions(rig: CliRig): Promise<{ dvids: string[]; intermediate: string[] }> {
  const dvids = [(await build(rig, 'ks@2019', '1')).versions[0]!.dataset_version_id];
  const intermediate = await devBuild(rig, 'dev1');
  const second = await build(rig, 'ks@2019', '2');
  expect(second.versions[0]!.mode).toBe('reprocess');
  dvids.push(second.versions[0]!.dataset_version_id);
  intermediate.push(...(await devBuild(rig, 'dev2')));
  const third = await build(rig, 'ks@2019', '3');
  expect(third.versions[0]!.mode).toBe('reprocess');
  dvids.push(third.versions[0]!.dataset_version_id);
  expect(intermediate).toHaveLength(4);
  return { dvids, intermediate: intermediate.sort() };
}

/**
 * Withdraws version `bad` by a real `kfm rollback`: `good` (built from kfmfile(goodV)) and
 * `bad` (from kfmfile(badV)) are promoted in turn, each with the kfmfile it was built from in
 * place and recorded (`kfm check --update`: gates A and G compare the registry's spec and
 * the one computed now), then the dataset is rolled back to `good`.
 * The kfmfile is left as kfmfile(goodV).
 */
async function supersede(rig: CliRig, kfmfile: (v: string) => string, good: [string, string], bad: [string, string]): Promise<void> {
  rig.write({ 'kfm.policy.json': RIG_POLICY });
  for (const [v, dvid] of [good, bad]) {
    rig.write({ 'kfmfile.ts': kfmfile(v) });
    expect((await rig.run(['check', '--update'])).code).toBe(0);
    const promoted = await rig.run(['promote', `ks@${dvid}`]);
    expect(promoted.code, promoted.stdout + promoted.stderr).toBe(0);
  }
  const rolled = await rig.run(['rollback', 'ks', '--to', good[1], '--reason', 'withdrawn for the test']);
  expect(rolled.code, rolled.stdout + rolled.stderr).toBe(0);
  rig.write({ 'kfmfile.ts': kfmfile(good[0]) });
  expect((await rig.run(['check', '--update'])).code).toBe(0);
}

/** Every digest the receipts of a version name (subjects, inputs, outputs), read from its receipt files. */
function receiptDigests(rig: CliRig, dvid: string, slug = 'ks'): Set<string> {
  const dir = rig.path('data/catalog', slug, dvid, 'receipts');
  const out = new Set<string>();
  for (const f of readdirSync(dir)) {
    const envelope = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { payload: string };
    const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as {
      subject: { digest: { sha256: string } }[];
      predicate: { inputs: { digest: string }[]; outputs: { digest: string }[] };
    };
    for (const s of statement.subject) out.add(`sha256:${s.digest.sha256}`);
    for (const x of [...statement.predicate.inputs, ...statement.predicate.outputs]) out.add(x.digest);
  }
  return out;
}

describe('kfm gc', () => {
  it('removes exactly the unreferenced intermediate objects (--dry-run first frees nothing); verify and fsck stay clean; a retry runs nothing', async () => {
    const rig = project();
    const { intermediate } = await threeVersions(rig);
    const all = storeObjects(rig);

    const dry = await gc(rig, ['--dry-run']);
    expect(dry.dry_run).toBe(true);
    expect(dry.objects.map((o) => o.digest)).toEqual(intermediate);
    expect(dry.objects.every((o) => o.reason === 'unreferenced')).toBe(true);
    const bytes = intermediate.reduce((n, d) => n + statSync(rig.path('.kfm/store/objects', d.slice(7, 9), d.slice(9))).size, 0);
    expect(dry.freed).toMatchObject({ objects: 4, temp_files: 0, bytes });
    expect(dry.reasons.map((r) => [r.reason, r.objects])).toEqual([['unreferenced', 4], ['dropped-version', 0], ['temp', 0]]);
    expect(dry.checked).toEqual({ objects: all.size, live: all.size - 4 });
    expect(dry.versions.map((v) => [v.status, v.retained, v.why])).toEqual([['candidate', true, 'all'], ['candidate', true, 'all'], ['candidate', true, 'all']]);
    expect(storeObjects(rig)).toEqual(all);

    const plainDry = await rig.run(['gc', '--dry-run']);
    expect(plainDry.stdout).toContain(`would remove ${intermediate[0]} `);
    expect(plainDry.stdout).toContain(`gc --dry-run: would free ${dry.freed.human} (4 objects) of ${all.size} store objects, ${all.size - 4} live; nothing removed\n`);

    const done = await gc(rig);
    expect(done.dry_run).toBe(false);
    expect(done.objects).toEqual(dry.objects);
    expect([...storeObjects(rig)].sort()).toEqual([...all].filter((d) => !intermediate.includes(d)).sort());
    await expectClean(rig);

    // Nothing left to collect; a retry of the latest version executes nothing.
    expect((await gc(rig)).freed.objects).toBe(0);
    const retry = await build(rig, 'ks@2019', '3');
    expect(retry.counts.executed).toBe(0);
    expect(retry.versions[0]!.mode).toBe('retry');
    const dev = await build(rig, 'ks', '3');
    expect(dev.counts.executed).toBe(0);
  });

  it('--keep-last never removes the bytes of a candidate or the published version; it drops a superseded one beyond the n most recent', async () => {
    const rig = project();
    const { dvids, intermediate } = await threeVersions(rig);
    const [v1, v2, v3] = dvids as [string, string, string];
    // Only the version of the current spec passes the gates (an older one is a rollback's job).
    rig.write({ 'kfm.policy.json': RIG_POLICY });
    const promoted = await rig.run(['promote', `ks@${v3}`]);
    expect(promoted.code, promoted.stdout + promoted.stderr).toBe(0);

    // v3 published (the latest), v1 and v2 candidates: all retained, only the intermediates go.
    const kept = await gc(rig, ['--keep-last', '1', '--dry-run']);
    expect(kept.versions.map((v) => [v.dataset_version_id, v.status, v.why])).toEqual([[v1, 'candidate', 'status'], [v2, 'candidate', 'status'], [v3, 'published', 'latest']]);
    expect(kept.objects.map((o) => o.digest)).toEqual(intermediate);

    // v2 promoted, then withdrawn by a rollback to v3: now it may go.
    await supersede(rig, KFMFILE, ['3', v3], ['2', v2]);
    expect((JSON.parse(rig.read('registry/ks.json')) as { versions: { status: string }[] }).versions.map((v) => v.status)).toEqual(['candidate', 'superseded', 'published']);

    const guarded = new Set([...receiptDigests(rig, v1), ...receiptDigests(rig, v3)]);
    const onlyV2 = [...receiptDigests(rig, v2)].filter((d) => !guarded.has(d) && storeObjects(rig).has(d));
    expect(onlyV2.length).toBeGreaterThan(0);
    const report = await gc(rig, ['--keep-last', '1']);
    expect(report.keep_last).toBe(1);
    expect(report.versions.map((v) => [v.dataset_version_id, v.retained, v.why])).toEqual([[v1, true, 'status'], [v2, false, 'dropped'], [v3, true, 'latest']]);
    const removed = new Set(report.objects.map((o) => o.digest));
    for (const d of onlyV2) expect(removed.has(d), d).toBe(true);
    for (const d of intermediate) expect(removed.has(d), d).toBe(true);
    expect(report.objects.filter((o) => o.reason === 'dropped-version').length).toBeGreaterThanOrEqual(onlyV2.length);
    const left = storeObjects(rig);
    for (const d of guarded) expect(left.has(d), `${d} (named by a receipt of ${v1} or ${v3})`).toBe(true);
    for (const d of removed) expect(left.has(d)).toBe(false);

    // v2's data/ files are copies and stay; its receipts still verify (their digests are in the collected log).
    const fsck = await rig.run(['fsck']);
    expect(fsck.code, fsck.stdout + fsck.stderr).toBe(0);
    const log = readFileSync(rig.path('.kfm/store/collected.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { digest: string });
    expect(log.map((l) => l.digest).sort()).toEqual([...removed].sort());
    const verify = await rig.run(['receipts', 'verify']);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
  });

  it('with dataTree.link symlink, a dropped version keeps the objects its data/ links point at (no link is left dangling)', async () => {
    const kfmfile = (v: string) => KFMFILE(v).replace('defineKfm({ datasets', "defineKfm({ dataTree: { link: 'symlink' }, datasets");
    const rig = newRig({ 'kfmfile.ts': kfmfile('1'), 'step.ts': STEP, 'raw/ks.txt': 'alpha\n' });
    const dvids: string[] = [];
    for (const v of ['1', '2', '3']) {
      rig.write({ 'kfmfile.ts': kfmfile(v) });
      const { result, report } = await rig.buildJson(['ks@2019']);
      expect(result.code, result.stderr).toBe(0);
      dvids.push(report.versions[0]!.dataset_version_id);
    }
    await supersede(rig, kfmfile, ['3', dvids[2]!], ['1', dvids[0]!]);
    const report = await gc(rig, ['--keep-last', '1']);
    expect(report.versions.find((v) => v.dataset_version_id === dvids[0])).toMatchObject({ retained: false, why: 'dropped' });
    const dir = rig.path('data/processed/ks', dvids[0]!);
    for (const name of ['extract.txt', 'shape.txt']) expect(readFileSync(join(dir, name), 'utf8')).toContain('"v":"1"');
    await expectClean(rig);
  });

  it('--keep-last drops a quarantined version beyond the n most recent: its data/quarantine/ files stay, verify and fsck stay clean', async () => {
    const qaSources = ['tasks/upstreamOutput.ts', ...['qa', 'geo'].flatMap((d) => readdirSync(join(REPO_ROOT, 'tasks', d)).map((f) => `tasks/${d}/${f}`))];
    const kfmfile = (threshold: string) => `import { defineKfm, dataset, ingest, task } from 'kfm';
const checks = [{ name: 'feature_count', threshold: '${threshold}' }];
export default defineKfm({ datasets: [dataset({ kfm_spec_version: 'v1', dataset_slug: 'pts', title: 'pts', upstream: { authority: 'test', access_method: 'file', endpoints: [], cadence: 'none', terms_snapshot: { license: 'CC0-1.0' } }, sensitivity: { policy_label_intent: 'public', pii_risk: 'none', sensitive_location_risk: 'none', obligations: [] }, normalization: { canonical_fields: ['id'], crs: 'EPSG:4326' }, validation: { checks }, outputs: [] }, [
  ingest('fetch', { source: 'file:src/points.geojson' }),
  task('qa', { run: './tasks/qa/qaTask.ts', operation: 'qa', deps: ['fetch'], params: { artifact: 'fetch', output: 'points.geojson', required_fields: ['id'], id_field: 'id', bbox: [-102.1, 36.9, -94.5, 40.1], checks } }),
], { slice: '2020' })] });
`;
    const points = JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', properties: { id: 1 }, geometry: { type: 'Point', coordinates: [-97.3, 38.1] } }] });
    const files: Record<string, string> = { 'kfmfile.ts': kfmfile('>= 200'), 'src/points.geojson': points };
    for (const f of qaSources) files[f] = readFileSync(join(REPO_ROOT, f), 'utf8');
    const rig = newRig(files);
    const quarantined = await rig.buildJson(['pts@2020']);
    expect(quarantined.result.code, quarantined.result.stderr).toBe(1);
    const qdvid = quarantined.report.versions[0]!.dataset_version_id;
    rig.write({ 'kfmfile.ts': kfmfile('>= 1') });
    const passed = await rig.buildJson(['pts@2020']);
    expect(passed.result.code, passed.result.stderr).toBe(0);
    const registry = JSON.parse(rig.read('registry/pts.json')) as { versions: { dataset_version_id: string; status: string }[] };
    expect(registry.versions.map((v) => v.status)).toEqual(['quarantined', 'candidate']);

    const quarantineFiles = new Map<string, string>();
    const qdir = rig.path('data/quarantine/pts', qdvid);
    for (const f of readdirSync(qdir, { recursive: true }) as string[]) if (statSync(join(qdir, f)).isFile()) quarantineFiles.set(f, readFileSync(join(qdir, f), 'utf8'));
    expect(quarantineFiles.size).toBeGreaterThan(0);
    const guarded = receiptDigests(rig, passed.report.versions[0]!.dataset_version_id, 'pts');
    const report = await gc(rig, ['--keep-last', '1']);
    expect(report.versions.map((v) => [v.dataset_version_id, v.status, v.why])).toEqual([[qdvid, 'quarantined', 'dropped'], [passed.report.versions[0]!.dataset_version_id, 'candidate', 'status']]);
    expect(report.objects.filter((o) => o.reason === 'dropped-version').length).toBeGreaterThan(0);
    const left = storeObjects(rig);
    for (const d of guarded) expect(left.has(d), d).toBe(true);
    for (const [f, text] of quarantineFiles) expect(readFileSync(join(qdir, f), 'utf8')).toBe(text);
    await expectClean(rig);
  });

  it('a gc SIGKILLed after its first removal leaves every live object present and fsck clean; the next gc finishes', async () => {
    const rig = project();
    const { intermediate } = await threeVersions(rig);
    const all = storeObjects(rig);
    const killed = await rig.run(['gc'], { env: { KFM_TEST_CRASH_AT: 'gc-removed:1' } });
    expect(killed.signal, killed.stdout + killed.stderr).toBe('SIGKILL');
    const left = storeObjects(rig);
    const gone = [...all].filter((d) => !left.has(d));
    expect(gone).toHaveLength(1);
    expect(intermediate).toContain(gone[0]);

    const fsck = await rig.run(['fsck', '--json']);
    expect(fsck.code, fsck.stdout).toBe(0);
    expect((JSON.parse(fsck.stdout) as { status: string; checked: { objects: number } }).status).toBe('clean');
    const rest = await gc(rig);
    expect(rest.objects.map((o) => o.digest)).toEqual(intermediate.filter((d) => d !== gone[0]));
    await expectClean(rig);
    expect((await build(rig, 'ks@2019', '3')).counts.executed).toBe(0);
  });

  it('removes temp files in the store older than the lock, never newer ones', async () => {
    const rig = project();
    await build(rig, 'ks@2019', '1');
    const old = rig.path('.kfm/store/tmp/999-1/0123456789abcdef');
    const fresh = rig.path('.kfm/store/tmp/999-2/fedcba9876543210');
    rig.write({ [relative(rig.dir, old)]: 'half an object', [relative(rig.dir, fresh)]: 'a writer after the lock' });
    const hourAgo = Date.now() / 1000 - 3600;
    utimesSync(old, hourAgo, hourAgo);
    utimesSync(fresh, hourAgo + 7200, hourAgo + 7200);

    const dry = await gc(rig, ['--dry-run']);
    expect(dry.reasons.find((r) => r.reason === 'temp')).toMatchObject({ objects: 1, bytes: 'half an object'.length });
    expect(existsSync(old)).toBe(true);
    const done = await gc(rig);
    expect(done.freed).toMatchObject({ objects: 0, temp_files: 1, bytes: 'half an object'.length });
    expect(existsSync(old)).toBe(false);
    expect(existsSync(fresh)).toBe(true);
  });

  it('takes no targets; --keep-last needs a positive integer and belongs to gc, --dry-run to gc and clean (exit 2)', async () => {
    const rig = project();
    expect(await rig.run(['gc', 'ks'])).toMatchObject({ code: 2 });
    expect((await rig.run(['gc', '--keep-last', '0'])).stderr).toContain('kfm: --keep-last needs a positive integer (got "0")');
    expect((await rig.run(['build', '--keep-last', '2'])).stderr).toContain('kfm: --keep-last applies to kfm gc (not build)');
    expect((await rig.run(['fsck', '--dry-run'])).stderr).toContain('kfm: --dry-run applies to kfm promote, gc and clean (not fsck)');
    expect(await rig.run(['clean', 'ks'])).toMatchObject({ code: 2 });
  });
});

/** Every file under `.kfm/`, relative path → SHA-256, except the caches clean empties and the databases and lock it opens. */
function kfmFiles(rig: CliRig): Map<string, string> {
  const root = rig.path('.kfm');
  const out = new Map<string, string>();
  const skip = /^(scratch|snapshots|store\/tmp)\/|^state\.db|^lock\./;
  for (const e of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const rel = relative(root, join(e.parentPath, e.name));
    if (!skip.test(rel)) out.set(rel, createHash('sha256').update(readFileSync(join(root, rel))).digest('hex'));
  }
  return out;
}

function stateCounts(rig: CliRig): Record<string, number> {
  const db = new Database(rig.path('.kfm/state.db'), { readonly: true });
  try {
    const tables = ['results', 'latest', 'versions', 'runs', 'run_nodes', 'stat_cache', 'module_imports'];
    return Object.fromEntries(tables.map((t) => [t, db.prepare(`SELECT COUNT(*) FROM ${t}`).pluck().get() as number]));
  } finally {
    db.close();
  }
}

describe('kfm clean', () => {
  it('empties scratch, snapshots, store temp files and the stat and import caches, nothing else; the next build runs nothing', async () => {
    const rig = project();
    await build(rig, 'ks@2019', '1');
    await build(rig, 'ks', '1'); // an unversioned build writes the no-op snapshot
    mkdirSync(rig.path('.kfm/scratch/run-x/ks.extract'), { recursive: true });
    writeFileSync(rig.path('.kfm/scratch/run-x/ks.extract/left.txt'), 'scratch');
    rig.write({ '.kfm/store/tmp/999-1/0123456789abcdef': 'temp' });
    const hourAgo = Date.now() / 1000 - 3600;
    utimesSync(rig.path('.kfm/store/tmp/999-1/0123456789abcdef'), hourAgo, hourAgo);
    const files = kfmFiles(rig);
    const counts = stateCounts(rig);
    expect(counts['stat_cache']).toBeGreaterThan(0);
    expect(counts['module_imports']).toBeGreaterThan(0);
    expect(readdirSync(rig.path('.kfm/snapshots')).length).toBeGreaterThan(0);

    const dryRun = await rig.run(['clean', '--dry-run', '--json']);
    expect(dryRun.code, dryRun.stderr).toBe(0);
    const dry = JSON.parse(dryRun.stdout) as { caches: { name: string; entries: number }[] };
    expectValidReport('clean', dry);
    expect(dry.caches.map((c) => [c.name, c.entries > 0])).toEqual([['scratch', true], ['snapshots', true], ['store-tmp', true], ['stat-cache', true], ['module-imports', true]]);
    expect(stateCounts(rig)).toEqual(counts);
    expect(existsSync(rig.path('.kfm/scratch/run-x/ks.extract/left.txt'))).toBe(true);

    const cleaned = await rig.run(['clean', '--json']);
    expect(cleaned.code, cleaned.stderr).toBe(0);
    const report = JSON.parse(cleaned.stdout) as { dry_run: boolean; caches: { name: string; entries: number; path: string }[] };
    expectValidReport('clean', report);
    expect(report.caches.map((c) => [c.name, c.path, c.entries])).toEqual([
      ['scratch', '.kfm/scratch', 1],
      ['snapshots', '.kfm/snapshots', dry.caches[1]!.entries],
      ['store-tmp', '.kfm/store/tmp', 1],
      ['stat-cache', '.kfm/state.db', counts['stat_cache']],
      ['module-imports', '.kfm/state.db', counts['module_imports']],
    ]);
    expect(readdirSync(rig.path('.kfm/scratch'))).toEqual([]);
    expect(readdirSync(rig.path('.kfm/snapshots'))).toEqual([]);
    expect(readdirSync(rig.path('.kfm/store/tmp'))).toEqual([]);
    // Everything else is byte for byte as it was: store objects, ledger, keys; and the state's records.
    expect(kfmFiles(rig)).toEqual(files);
    expect(stateCounts(rig)).toEqual({ ...counts, stat_cache: 0, module_imports: 0 });

    const plain = await rig.run(['clean']);
    expect(plain.stdout).toContain('cleaned .kfm/snapshots: 0 files, 0 B\n');

    // The caches come back from the next build, which executes nothing.
    expect((await build(rig, 'ks', '1')).counts.executed).toBe(0);
    expect((await build(rig, 'ks@2019', '1')).counts.executed).toBe(0);
    expect(stateCounts(rig)['stat_cache']).toBeGreaterThan(0);
    await expectClean(rig);
  });
});
