/**
 * Task targets and `--force` (`-B`) through the real CLI: `kfm build alpha/transform` builds
 * that node and what it needs, nothing downstream, and records no dataset version (the
 * registry, data/, the receipts and the ledger stay as they were); `kfm build -B ...` reruns
 * exactly the named nodes (reason `forced`, `forced: true` in their run receipts), a
 * dependent rerunning only when a forced node's bytes change; plan and explain say the same.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KFMFILE_HEADER, useCliRigs, type BuildReport, type CliRig } from '../support/cliRig.js';
import { expectValidReport } from './reportSchemas.js';

const newRig = useCliRigs();

/** Writes `<task>.txt`: its input files, then every upstream output, joined (deterministic). */
const COPY_TASK = `import type { TaskContext } from 'kfm';
export default async function copy(ctx: TaskContext): Promise<void> {
  const parts: string[] = [];
  for (const input of ctx.inputs) parts.push((await input.read()).toString('utf8'));
  for (const dep of Object.keys(ctx.upstream).sort()) for (const o of Object.keys(ctx.upstream[dep]!).sort()) parts.push(await ctx.upstream[dep]![o]!.text());
  await ctx.output(ctx.id.split('/')[1] + '.txt', ctx.id + ': ' + parts.join(' | ') + '\\n', 'text/plain');
}
`;

/** Other bytes on every run. */
const TICK_TASK = `import type { TaskContext } from 'kfm';
export default async function tick(ctx: TaskContext): Promise<void> {
  await ctx.output('tick.txt', 'tick ' + Math.random() + '\\n', 'text/plain');
}
`;

/** alpha (versioned, slice 2017): ingest → transform → qa. gamma (unversioned): tick → show → end. */
const KFMFILE = `${KFMFILE_HEADER}
export default defineKfm({ datasets: [
  dataset(spec('alpha'), [
    task('ingest', { run: './copy.ts', inputs: ['src/a.txt'], zone: 'work' }),
    task('transform', { run: './copy.ts', deps: ['ingest'] }),
    task('qa', { run: './copy.ts', deps: ['transform'] }),
  ], { slice: '2017' }),
  dataset(spec('gamma'), [
    task('tick', { run: './tick.ts' }),
    task('show', { run: './copy.ts', deps: ['tick'] }),
    task('end', { run: './copy.ts', deps: ['show'] }),
  ]),
] });
`;

function project(): CliRig {
  return newRig({ 'kfmfile.ts': KFMFILE, 'copy.ts': COPY_TASK, 'tick.ts': TICK_TASK, 'src/a.txt': 'alpha bytes' });
}

async function build(rig: CliRig, args: string[]): Promise<BuildReport> {
  const { result, report } = await rig.buildJson(args);
  expect(result.code, result.stderr).toBe(0);
  expectValidReport('build', report);
  return report;
}

const statuses = (report: BuildReport) => Object.fromEntries(report.nodes.map((n) => [n.id, n.status]));
const node = (report: BuildReport, id: string) => report.nodes.find((n) => n.id === id)!;

/** What a version is on disk and in the ledger: registry bytes, every data/ file's digest, the ledger head. */
async function recorded(rig: CliRig): Promise<{ registry: string; data: Record<string, string>; head: string }> {
  const data: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else data[relative(rig.dir, p)] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(rig.path('data'));
  const head = await rig.run(['receipts', 'head']);
  expect(head.code, head.stderr).toBe(0);
  return { registry: rig.read('registry/alpha.json'), data, head: head.stdout };
}

interface Receipt {
  run_id: string;
  node?: string;
  forced?: boolean;
  mode: string;
  mode_reason: string;
  outputs: { path: string; digest: string }[];
}

/** The receipts a build's version lists (report.versions[].receipts), by node. */
function receiptsOf(rig: CliRig, report: BuildReport): Map<string, Receipt> {
  const v = report.versions[0]!;
  const out = new Map<string, Receipt>();
  for (const id of v.receipts) {
    const file = rig.path('data', 'catalog', v.dataset_slug, v.dataset_version_id, 'receipts', `${id.slice('kfm://run/'.length)}.json`);
    const envelope = JSON.parse(readFileSync(file, 'utf8')) as { payload: string };
    const r = (JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as { predicate: Receipt }).predicate;
    if (r.node !== undefined) out.set(r.node, r);
  }
  return out;
}

async function expectReceiptsVerify(rig: CliRig): Promise<void> {
  const verify = await rig.run(['receipts', 'verify']);
  expect(verify.code, verify.stdout + verify.stderr).toBe(0);
  expect(verify.stdout).toMatch(/^receipts verified: /);
}

describe('kfm build <dataset>/<task>', () => {
  it('builds that node and what it needs, nothing downstream, and records no version', async () => {
    const rig = project();
    const picked = await build(rig, ['alpha/transform']);
    expect(statuses(picked)).toEqual({ 'alpha/ingest': 'executed', 'alpha/transform': 'executed' });
    expect(picked.versions).toEqual([]);
    expect(existsSync(rig.path('registry', 'alpha.json'))).toBe(false);
    expect(existsSync(rig.path('data'))).toBe(false);

    // plan, explain and graph take the same target.
    const plan = await rig.run(['plan', 'alpha/transform']);
    expect(plan).toMatchObject({ code: 0, stdout: 'cached  alpha/ingest\ncached  alpha/transform\nplan: 0 to run, 0 pending on upstream, 2 cached\n' });
    expect((await rig.run(['explain', 'alpha/qa'])).stdout).toBe('alpha/qa: will run\n  - no previous run\n');
    const graph = JSON.parse((await rig.run(['graph', '--format', 'json', 'alpha/transform'])).stdout) as { nodes: { id: string }[] };
    expectValidReport('graph', graph);
    expect(graph.nodes.map((n) => n.id)).toEqual(['alpha/ingest', 'alpha/transform']);

    // With a slice, the same: one node, no version.
    const sliced = await build(rig, ['alpha@2017/qa']);
    expect(statuses(sliced)).toEqual({ 'alpha/ingest': 'cached', 'alpha/qa': 'executed', 'alpha/transform': 'cached' });
    expect(sliced.versions).toEqual([]);

    // The dataset target versions it, from what the task targets built.
    const whole = await build(rig, ['alpha']);
    expect(whole.counts).toEqual({ executed: 0, cached: 3, failed: 0, skipped: 0 });
    expect(whole.versions.map((v) => [v.dataset_slug, v.mode, v.created])).toEqual([['alpha', 'new', true]]);
    await expectReceiptsVerify(rig);
  });

  it('never moves a recorded version: registry, data/, receipts and ledger stay as they were', async () => {
    const rig = project();
    const first = await build(rig, ['alpha']);
    const before = await recorded(rig);

    rig.write({ 'src/a.txt': 'other alpha bytes' });
    const picked = await build(rig, ['alpha/transform']);
    expect(statuses(picked)).toEqual({ 'alpha/ingest': 'executed', 'alpha/transform': 'executed' });
    expect(picked.versions).toEqual([]);
    expect(await recorded(rig)).toEqual(before);
    await expectReceiptsVerify(rig);

    // The next dataset build records the new version (a backfill: other raw inputs), its
    // picked nodes cached.
    const next = await build(rig, ['alpha']);
    expect(statuses(next)).toEqual({ 'alpha/ingest': 'cached', 'alpha/qa': 'executed', 'alpha/transform': 'cached' });
    expect(next.versions.map((v) => [v.mode, v.created])).toEqual([['backfill', true]]);
    expect(next.versions[0]!.dataset_version_id).not.toBe(first.versions[0]!.dataset_version_id);
    await expectReceiptsVerify(rig);
  });

  it('an unknown task is exit 2 naming the dataset\'s tasks; a task target cannot take --expect', async () => {
    const rig = project();
    expect(await rig.run(['build', 'alpha/qaa'])).toMatchObject({
      code: 2,
      stdout: '',
      stderr: 'kfm: dataset "alpha" has no task "qaa" (its tasks: ingest, transform, qa); did you mean "qa"?\n',
    });
    expect(await rig.run(['plan', 'alpha/nothing'])).toMatchObject({ code: 2, stderr: 'kfm: dataset "alpha" has no task "nothing" (its tasks: ingest, transform, qa)\n' });
    expect(await rig.run(['build', 'alpha/Q'])).toMatchObject({
      code: 2,
      stderr: 'kfm: invalid target "alpha/Q": after / comes a task name (^[a-z0-9_][a-z0-9_-]*$), as in ks_counties/qa\n',
    });
    // Versions, receipts and the log are the dataset's: a task target there says so.
    expect(await rig.run(['status', 'alpha@2017/qa'])).toMatchObject({
      code: 2,
      stderr: 'kfm: invalid target "alpha@2017/qa": a task target is for build, plan, explain, watch and graph; here name the dataset (alpha), a slice or a version\n',
    });
    expect(await rig.run(['build', '--expect', 'new', 'alpha/qa'])).toMatchObject({
      code: 2,
      stderr: 'kfm: --expect needs a versioned target: alpha/qa names one task, and a build of part of a dataset records no version (name the dataset, e.g. alpha)\n',
    });
    expect(await rig.run(['explain', 'alpha/qa', 'qa'])).toMatchObject({
      code: 2,
      stderr: 'kfm: usage: kfm explain <dataset>[@slice] [task], or kfm explain <dataset>[@slice]/<task>\n',
    });
  });
});

describe('kfm build --force (-B)', () => {
  it('reruns exactly the named nodes; one between them stays cached when the forced bytes are the same', async () => {
    const rig = project();
    await build(rig, ['alpha']);
    const forced = await build(rig, ['-B', 'alpha/ingest', 'alpha/qa']);
    expect(statuses(forced)).toEqual({ 'alpha/ingest': 'executed', 'alpha/qa': 'executed', 'alpha/transform': 'cached' });
    expect(forced.counts).toEqual({ executed: 2, cached: 1, failed: 0, skipped: 0 });
    expect(node(forced, 'alpha/ingest').reason).toEqual({ type: 'forced' });
    expect(node(forced, 'alpha/qa').reason).toEqual({ type: 'forced' });
    expect(forced.versions).toEqual([]);

    const plain = await rig.run(['build', '--force', '--reporter', 'plain', 'alpha/ingest']);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).toContain('run      alpha/ingest (forced by --force)\n');
    expect(plain.stdout).toMatch(/build succeeded: 1 executed, 0 cached, 0 failed, 0 skipped in /);
  });

  it('a forced dataset reruns every node with the same digests: a retry of the same version, receipts forced, verifying', async () => {
    const rig = project();
    const first = await build(rig, ['alpha']);
    const checksums = (r: BuildReport) => rig.read(`data/processed/alpha/${r.versions[0]!.dataset_version_id}/checksums.json`);
    const before = checksums(first);
    const firstReceipts = receiptsOf(rig, first);

    const forced = await build(rig, ['-B', 'alpha']);
    expect(forced.counts).toEqual({ executed: 3, cached: 0, failed: 0, skipped: 0 });
    for (const n of forced.nodes) expect(n.reason).toEqual({ type: 'forced' });
    expect(forced.nodes.map((n) => n.key)).toEqual(first.nodes.map((n) => n.key));
    expect(forced.versions.map((v) => [v.dataset_version_id, v.mode, v.created])).toEqual([[first.versions[0]!.dataset_version_id, 'retry', false]]);
    expect(checksums(forced)).toBe(before);

    const receipts = receiptsOf(rig, forced);
    expect([...receipts.keys()].sort()).toEqual(['alpha/ingest', 'alpha/qa', 'alpha/transform']);
    for (const [id, r] of receipts) {
      expect(r.forced).toBe(true);
      expect(r.mode).toBe('retry');
      expect(r.mode_reason).toBe(`same spec and raw inputs; ${id} was forced to run again (kfm build --force)`);
      // Deterministic tasks: the forced run wrote the same bytes.
      expect(r.outputs).toEqual(firstReceipts.get(id)!.outputs);
      expect(firstReceipts.get(id)!.forced).toBeUndefined();
    }
    await expectReceiptsVerify(rig);

    // The next build without --force: nothing runs, and its receipts say so (not forced).
    const again = await build(rig, ['alpha']);
    expect(again.counts.executed).toBe(0);
    for (const r of receiptsOf(rig, again).values()) expect(r.forced).toBeUndefined();
    await expectReceiptsVerify(rig);
  });

  it('without targets forces every node; a forced node with other bytes reruns a dependent that was not named', async () => {
    const rig = project();
    await build(rig, []);
    const all = await build(rig, ['-B']);
    expect(all.counts).toEqual({ executed: 6, cached: 0, failed: 0, skipped: 0 });
    for (const n of all.nodes) expect(n.reason).toEqual({ type: 'forced' });
    await expectReceiptsVerify(rig);

    // tick writes other bytes each run: show (not named) runs because its input changed.
    const changed = await build(rig, ['-B', 'gamma/tick', 'gamma/end']);
    expect(statuses(changed)).toEqual({ 'gamma/end': 'executed', 'gamma/show': 'executed', 'gamma/tick': 'executed' });
    expect(node(changed, 'gamma/tick').reason).toEqual({ type: 'forced' });
    expect(node(changed, 'gamma/end').reason).toEqual({ type: 'forced' });
    expect(node(changed, 'gamma/show').reason).toMatchObject({ type: 'upstream-changed', upstream: 'gamma/tick' });
  });

  it('plan, build -n and explain show the reason forced; nothing runs', async () => {
    const rig = project();
    await build(rig, ['alpha']);
    const plan = await rig.run(['plan', '-B', 'alpha/ingest', 'alpha/qa', '--json']);
    expect(plan.code, plan.stderr).toBe(0);
    const report = JSON.parse(plan.stdout) as { nodes: { id: string; action: string; reasons: { type: string }[] }[] };
    expectValidReport('plan', report);
    expect(report.nodes.map((n) => [n.id, n.action, n.reasons.map((r) => r.type)])).toEqual([
      ['alpha/ingest', 'run', ['forced']],
      ['alpha/transform', 'pending', ['upstream-pending']],
      ['alpha/qa', 'run', ['forced', 'upstream-pending']],
    ]);
    const text = await rig.run(['plan', '-B', 'alpha/ingest']);
    expect(text.stdout).toBe('run     alpha/ingest  forced by --force\nplan: 1 to run, 0 pending on upstream, 0 cached\n');
    expect(await rig.run(['build', '-n', '-B', 'alpha/ingest'])).toEqual(text);
    const explain = await rig.run(['explain', '--force', 'alpha/qa']);
    // Only the named node is forced: its upstream stands, so forced is its one reason.
    expect(explain.stdout).toBe('alpha/qa: will run\n  - forced by --force\n');
    const explainJson = await rig.run(['explain', '--force', 'alpha/qa', '--json']);
    expectValidReport('explain', JSON.parse(explainJson.stdout));
    // Nothing ran: the next build is all cached.
    expect((await build(rig, ['alpha'])).counts.executed).toBe(0);
  });

  it('applies to build, plan and explain only, not to watch mode; the help lists it', async () => {
    const rig = project();
    expect(await rig.run(['status', '-B'])).toMatchObject({ code: 2, stderr: 'kfm: --force applies to kfm build, plan, explain and rebuild (not status)\n' });
    expect(await rig.run(['build', '-w', '--force'])).toMatchObject({
      code: 2,
      stderr: 'kfm: --force applies to kfm build, not to watch mode (every change would rerun the forced nodes)\n',
    });
    const help = (await rig.run(['--help'])).stdout;
    expect(help).toContain('  -B, --force                kfm build, plan, explain: run the nodes the targets name\n');
    expect(help).toContain('(e.g. ks_counties/qa): that node and everything upstream of it, nothing downstream');
    const buildHelp = (await rig.run(['build', '--help'])).stdout;
    expect(buildHelp).toMatch(/^usage: kfm build \[<dataset>\[@<slice>\]\[\/<task>\]\.\.\.\] \[-B\]/);
    expect(buildHelp).toContain('-B, --force');
    expect(buildHelp).toContain('kfm build -B ks_counties/qa');
    expect((await rig.run(['plan', '--help'])).stdout).toContain('-B, --force');
  });
});
