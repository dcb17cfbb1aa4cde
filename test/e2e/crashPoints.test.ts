/**
 * A build (and a promotion) SIGKILLed at deterministic points all through it
 * (`KFM_TEST_CRASH_AT=<point>:<n>`, engine/run/crashPoint.ts): after each kill, a normal
 * build completes what the dead one left; `kfm receipts verify` finds no problem; and the
 * data tree, the registry, the node keys and the dataset version ids are those of an
 * uninterrupted build of the same project. Receipt files are the one exception: they name
 * their run and its time, and a retry adds its own, so they are counted, not compared.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CliRig, KFMFILE_HEADER, RIG_POLICY, type BuildReport } from '../support/cliRig.js';
import { citesReceipts, withoutRunFacts } from '../support/catalogRunFacts.js';

const KFMFILE = `${KFMFILE_HEADER}export default defineKfm({ datasets: [
  dataset(spec('a'), [task('extract', { run: './step.ts', inputs: ['raw/a.txt'] }), task('shape', { run: './step.ts', deps: ['extract'] })], { slice: '2020' }),
  dataset(spec('b'), [task('extract', { run: './step.ts', inputs: ['raw/b.txt'] }), task('shape', { run: './step.ts', deps: ['extract'] })], { slice: '2021' }),
] });
`;

/** Two outputs per task (so a kill between them is a task mid-way). */
const STEP = `import type { TaskContext } from 'kfm';
export default async function step(ctx: TaskContext): Promise<void> {
  const parts = [ctx.id];
  for (const input of ctx.inputs) parts.push((await input.read()).toString('utf8'));
  for (const dep of Object.keys(ctx.upstream).sort()) parts.push(await ctx.upstream[dep]![\`\${dep.split('/')[1]}.txt\`]!.text());
  await ctx.output(\`\${ctx.task}.txt\`, parts.join('|'), 'text/plain');
  await ctx.output(\`\${ctx.task}.json\`, JSON.stringify({ node: ctx.id, parts: parts.length }), 'application/json');
}
`;

const FILES = { 'kfmfile.ts': KFMFILE, 'step.ts': STEP, 'raw/a.txt': 'alpha\n', 'raw/b.txt': 'beta\n', 'kfm.policy.json': RIG_POLICY };

/** One job: the points are reached in one order (the worker's in its one thread). */
const BUILD = ['-j', '1', 'a@2020', 'b@2021'];

/**
 * Every point of a build, at each pass that matters: 4 tasks of 2 outputs (8 `task-output`s),
 * 2 versions, 2 receipts each (4 `receipt-appended`s, one batch per version).
 */
const BUILD_POINTS = [
  'lock-taken:1',
  'planned:1',
  'task-output:1',
  'task-output:4',
  'task-output:8',
  'task-finished:1',
  'task-finished:3',
  'task-finished:4',
  'results-committed:1',
  'version-recorded:1',
  'version-recorded:2',
  'data-linked:1',
  'data-linked:2',
  'registry-written:1',
  'registry-written:2',
  'receipt-appended:1',
  'receipt-appended:2',
  'receipt-appended:3',
  'receipt-appended:4',
  'receipts-written:1',
  'receipts-written:2',
  'receipts-anchored:1',
  'receipts-anchored:2',
  'build-ended:1',
];

/** Points of `kfm promote a@<dvid>` after an uninterrupted build. */
const PROMOTE_POINTS = ['receipt-appended:1', 'promote-recorded:1', 'receipts-written:1'];

/** Points of other commands, killed and checked in their own test file (which must set KFM_TEST_CRASH_AT to the point). */
const ELSEWHERE: Record<string, string> = { 'gc-removed': 'gc.test.ts', 'rollback-recorded': 'rollbackRig.test.ts' };

/** What must equal an uninterrupted build's: file digests, receipt counts per directory, keys and dvids. */
interface Outcome {
  /**
   * data/ (receipt files aside; catalog files that cite receipts without their run facts; a
   * promotion manifest with its time, decision id and the digests of those catalog files
   * reduced to their presence) and
   * registry/ (each receipts_anchor reduced to its presence): path → SHA-256.
   */
  files: Record<string, string>;
  /** data/catalog/<slug>/<dvid>/receipts → how many receipt files (at least the uninterrupted build's). */
  receipts: Record<string, number>;
  keys: [string, string | null][];
  versions: [string, string][];
}

function sha256(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Every file under root, as sorted relative paths. */
function walk(root: string, rel = ''): string[] {
  let entries;
  try {
    entries = readdirSync(join(root, rel), { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  return entries
    .flatMap((d) => {
      const path = rel === '' ? d.name : `${rel}/${d.name}`;
      return d.isDirectory() ? walk(root, path) : [path];
    })
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function outcomeOf(rig: CliRig, report: BuildReport): Outcome {
  const files: Record<string, string> = {};
  const receipts: Record<string, number> = {};
  for (const path of walk(rig.path('data'))) {
    const m = /^(catalog\/[^/]+\/[^/]+\/receipts)\/[^/]+\.json$/.exec(path);
    if (m) receipts[m[1]!] = (receipts[m[1]!] ?? 0) + 1;
    else if (path.endsWith('/promotion_manifest.json')) {
      const manifest = JSON.parse(rig.read(`data/${path}`)) as { released_at: string; policy: { decision_id: string }; catalogs: { path: string; digest: string }[] };
      manifest.released_at = 'released';
      manifest.policy.decision_id = 'decided';
      // The DCAT record and PROV bundle cite run facts (compared above without them): their digests differ by run.
      for (const c of manifest.catalogs) if (citesReceipts(c.path)) c.digest = 'cites receipts';
      files[`data/${path}`] = sha256(JSON.stringify(manifest));
    }
    // The DCAT record and PROV bundle cite the receipts of the build that produced the version: compared without their run facts.
    else if (citesReceipts(path)) files[`data/${path}`] = sha256(withoutRunFacts(readFileSync(rig.path('data', path), 'utf8')));
    else files[`data/${path}`] = sha256(readFileSync(rig.path('data', path)));
  }
  for (const path of walk(rig.path('registry'))) {
    const registry = JSON.parse(rig.read(`registry/${path}`)) as { versions: { receipts_anchor?: unknown }[] };
    for (const v of registry.versions) if (v.receipts_anchor !== undefined) v.receipts_anchor = 'anchored';
    files[`registry/${path}`] = sha256(JSON.stringify(registry));
  }
  return {
    files,
    receipts,
    keys: report.nodes.map((n) => [n.id, n.key]),
    versions: report.versions.map((v) => [v.dataset_slug, v.dataset_version_id]),
  };
}

/** Receipt counts must be at least the reference's; everything else equal. */
function differences(got: Outcome, want: Outcome): string[] {
  const out: string[] = [];
  const { receipts, ...rest } = got;
  const { receipts: wantReceipts, ...wantRest } = want;
  if (JSON.stringify(rest) !== JSON.stringify(wantRest)) out.push(`files, keys or versions differ:\n${JSON.stringify(rest, null, 1)}\nwant\n${JSON.stringify(wantRest, null, 1)}`);
  for (const [dir, n] of Object.entries(wantReceipts)) if ((receipts[dir] ?? 0) < n) out.push(`${dir} has ${receipts[dir] ?? 0} receipt files, want at least ${n}`);
  for (const dir of Object.keys(receipts)) if (!(dir in wantReceipts)) out.push(`${dir}: receipt files of a version the uninterrupted build has none of`);
  return out;
}

/** Runs `fn` on a fresh rig and removes the rig after (rigs are managed here: the cases run concurrently). */
async function withRig<T>(fn: (rig: CliRig) => Promise<T>): Promise<T> {
  const rig = new CliRig(FILES);
  try {
    return await fn(rig);
  } finally {
    await rig.cleanup();
  }
}

/**
 * A normal build (exit 0, no waiting for a lock: the dead process's lock is gone) and a clean
 * `kfm receipts verify`; the outcome after. `stderr`: a line the build must say.
 */
async function buildAndVerify(rig: CliRig, stderr?: string): Promise<Outcome> {
  const { result, report } = await rig.buildJson(BUILD);
  if (result.code !== 0 || result.stderr.includes('waiting for the project lock')) {
    throw new Error(`the build after the kill exited ${result.code}\n${result.stdout}${result.stderr}`);
  }
  if (stderr !== undefined && !result.stderr.includes(stderr)) throw new Error(`the build did not say ${JSON.stringify(stderr)}\n${result.stderr}`);
  const verify = await rig.run(['receipts', 'verify']);
  if (verify.code !== 0 || !verify.stdout.startsWith('receipts verified: ')) {
    throw new Error(`receipts verify exited ${verify.code}\n${verify.stdout}${verify.stderr}`);
  }
  return outcomeOf(rig, report);
}

async function promote(rig: CliRig, target: string, env: NodeJS.ProcessEnv = {}): Promise<void> {
  const r = await rig.run(['promote', target], { env });
  if (env['KFM_TEST_CRASH_AT'] !== undefined) {
    if (r.signal !== 'SIGKILL') throw new Error(`promote was not killed at ${env['KFM_TEST_CRASH_AT']} (exit ${r.code})\n${r.stdout}${r.stderr}`);
  } else if (r.code !== 0) throw new Error(`kfm promote ${target} exited ${r.code}\n${r.stdout}${r.stderr}`);
}

let reference: Outcome;
let promoted: Outcome;
let dvidOfA: string;

/** One build case: killed at `point`, then built and verified; the problems found (none: passed). */
async function buildCase(point: string): Promise<string[]> {
  return withRig(async (rig) => {
    const killed = await rig.run(['build', '--json', ...BUILD], { env: { KFM_TEST_CRASH_AT: point } });
    if (killed.signal !== 'SIGKILL') return [`the build was not killed (exit ${killed.code}): is ${point} reached?\n${killed.stderr}`];
    return differences(await buildAndVerify(rig), reference);
  }).catch((e: unknown) => [(e as Error).message]);
}

/**
 * One promotion case: an uninterrupted build, `kfm promote` killed at `point`, then a normal
 * build (which completes a promotion the ledger holds and the registry lacks) and verify.
 */
async function promoteCase(point: string): Promise<string[]> {
  return withRig(async (rig) => {
    await buildAndVerify(rig);
    await promote(rig, `a@${dvidOfA}`, { KFM_TEST_CRASH_AT: point });
    // Seq 1-6 are the build's task and catalog receipts: the promote receipt is seq 7.
    const completed = `kfm: completed the promotion of a@${dvidOfA} (ledger seq 7) in registry/a.json: an interrupted kfm promote signed it but left the registry unchanged`;
    return differences(await buildAndVerify(rig, completed), promoted);
  }).catch((e: unknown) => [(e as Error).message]);
}

async function runBatch(cases: (() => Promise<[string, string[]]>)[]): Promise<Record<string, string[]>> {
  const failed: Record<string, string[]> = {};
  for (const c of cases) {
    const [name, problems] = await c();
    if (problems.length > 0) failed[name] = problems;
  }
  return failed;
}

const ALL_CASES: [string, () => Promise<[string, string[]]>][] = [
  ...BUILD_POINTS.map((p): [string, () => Promise<[string, string[]]>] => [`build ${p}`, async () => [`build ${p}`, await buildCase(p)]]),
  ...PROMOTE_POINTS.map((p): [string, () => Promise<[string, string[]]>] => [`promote ${p}`, async () => [`promote ${p}`, await promoteCase(p)]]),
];

/** Three batches, interleaved so each has early, middle and late points. */
const BATCHES = [0, 1, 2].map((b) => ALL_CASES.filter((_, i) => i % 3 === b));

describe('a build killed at any crash point', () => {
  beforeAll(async () => {
    await withRig(async (rig) => {
      const { result, report } = await rig.buildJson(BUILD);
      expect(result.code, result.stdout + result.stderr).toBe(0);
      expect(report.versions.map((v) => v.receipts.length)).toEqual([2, 2]);
      expect((await rig.run(['receipts', 'verify'])).code).toBe(0);
      reference = outcomeOf(rig, report);
      // A second build (all cached, a retry) changes nothing compared here but adds receipts.
      expect(differences(await buildAndVerify(rig), reference)).toEqual([]);
      dvidOfA = report.versions[0]!.dataset_version_id;
      await promote(rig, `a@${dvidOfA}`);
      promoted = { ...outcomeOf(rig, report), receipts: { ...reference.receipts, [`catalog/a/${dvidOfA}/receipts`]: 4 } };
    });
  });

  it('covers every crash point (the list here names each at least once)', () => {
    const named = new Set([...BUILD_POINTS, ...PROMOTE_POINTS].map((p) => p.split(':')[0]));
    for (const [point, file] of Object.entries(ELSEWHERE)) {
      expect(readFileSync(new URL(`./${file}`, import.meta.url), 'utf8'), `${file} kills at ${point}`).toContain(`KFM_TEST_CRASH_AT: '${point}:`);
      named.add(point);
    }
    const source = readFileSync(new URL('../../engine/run/crashPoint.ts', import.meta.url), 'utf8');
    const declared = [...source.matchAll(/\| '([a-z-]+)'/g)].map((m) => m[1]!);
    expect(declared.length).toBeGreaterThan(10);
    expect(declared.filter((p) => !named.has(p))).toEqual([]);
    expect(ALL_CASES.length).toBeGreaterThanOrEqual(20);
  });

  for (const [i, batch] of BATCHES.entries()) {
    it.concurrent(
      `batch ${i + 1}: ${batch.map(([name]) => name).join(', ')}: rebuilt, verified, equal to an uninterrupted build`,
      async () => {
        expect(await runBatch(batch.map(([, run]) => run))).toEqual({});
      },
      120_000,
    );
  }
});
