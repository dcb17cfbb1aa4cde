/**
 * The issue's "done when" for distributed execution, on the project's own Kansas pipeline:
 * `KFM_STATE=postgres://… KFM_STORE=s3://… kfm build --executor queue` with three
 * `kfm worker` processes (a throwaway PostgreSQL and s3rver) builds the real kfmfile.ts,
 * tasks/ and input data key for key and digest for digest as a local build does, while one
 * worker is SIGKILLed after its first job; each node's result is committed once and
 * `kfm receipts verify` passes against the PostgreSQL ledger. The workers run in a checkout
 * of their own that holds the task code only: each job's declared input files come from the
 * bucket, fetched by digest and verified, into the worker's .kfm/worker-inputs/. A small
 * project whose worker checkout lacks the input file entirely shows that the checkout's
 * copy is never read. (The 2,000-node graph, and a worker killed mid-task, are in
 * queueExecutor.test.ts.)
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KFMFILE_HEADER, REPO_ROOT, RIG_POLICY, useCliRigs, type CliRig, type RunningCli } from '../support/cliRig.js';
import { postgresUnavailable, startPostgres, type PostgresCluster, queryPostgres as query } from '../support/postgres.js';
import { startS3, type S3Server } from '../support/s3.js';

const skipped = postgresUnavailable();
const newRig = useCliRigs();

type Results = Map<string, { key: string; outputs: unknown; digest: string }>;
interface ResultRow {
  node_id: string;
  key: string;
  outputs: string;
  outputs_digest: string;
}
const toMap = (rows: ResultRow[]): Results => new Map(rows.map((r) => [r.node_id, { key: r.key, outputs: JSON.parse(r.outputs), digest: r.outputs_digest }]));

function localResults(rig: CliRig): Results {
  const db = new Database(rig.path('.kfm/state.db'), { readonly: true });
  try {
    return toMap(db.prepare('SELECT r.node_id, r.key, r.outputs, r.outputs_digest FROM latest l JOIN results r ON r.key = l.key').all() as ResultRow[]);
  } finally {
    db.close();
  }
}


/** The files of a worker's input cache: `<hex>/<name>` → the sha256 of its bytes. */
function cachedInputs(rig: CliRig): Map<string, string> {
  const dir = rig.path('.kfm/worker-inputs');
  const files = new Map<string, string>();
  if (!existsSync(dir)) return files;
  for (const hex of readdirSync(dir)) {
    for (const name of readdirSync(join(dir, hex))) files.set(`${hex}/${name}`, createHash('sha256').update(readFileSync(join(dir, hex, name))).digest('hex'));
  }
  return files;
}

/** The task code of the Kansas pipeline, and node_modules linked (the worker's checkout: no kfmfile). */
function taskCode(rig: CliRig): CliRig {
  cpSync(join(REPO_ROOT, 'tasks'), rig.path('tasks'), { recursive: true });
  symlinkSync(join(REPO_ROOT, 'node_modules'), rig.path('node_modules'));
  return rig;
}

/** The whole Kansas project: kfmfile.ts, its policy and its tasks. */
function kansas(rig: CliRig): CliRig {
  cpSync(join(REPO_ROOT, 'kfmfile.ts'), rig.path('kfmfile.ts'));
  cpSync(join(REPO_ROOT, 'kfm.policy.json'), rig.path('kfm.policy.json'));
  return taskCode(rig);
}

const doneNodes = (workers: RunningCli[]) => workers.flatMap((w) => [...w.stdout.matchAll(/^done {4}(\S+) /gm)].map((m) => m[1]!));

describe.skipIf(skipped !== undefined)(`the Kansas pipeline on kfm worker processes${skipped ? ` (${skipped})` : ''}`, () => {
  let s3: S3Server;
  let cluster: PostgresCluster;
  let projects = 0;

  beforeAll(async () => {
    s3 = await startS3('kfm-queue-kansas');
    cluster = await startPostgres();
  }, 120_000);
  afterAll(async () => {
    await s3?.stop();
    cluster?.stop();
  });

  function env(extra: Record<string, string> = {}): { env: Record<string, string>; db: string } {
    const n = projects++;
    const db = cluster.createDatabase(`queue_kansas_${n}`);
    return { db, env: { ...s3.env, KFM_STORE: `s3://${s3.bucket}/k${n}/`, KFM_STATE: db, ...extra } };
  }

  async function stop(workers: RunningCli[]): Promise<void> {
    for (const w of workers) if (w.running) w.child.kill('SIGTERM');
    for (const w of workers) await w.exited;
  }

  it('three workers, one SIGKILLed after its first job: keys, digests and data files equal a local build, each result committed once, inputs fetched from the bucket, receipts verify', async () => {
    const local = kansas(newRig({}));
    const localBuilt = await local.buildJson([], { timeoutMs: 300_000 });
    expect(localBuilt.result.code, localBuilt.result.stderr).toBe(0);

    const coordinator = kansas(newRig({}));
    const { env: e, db } = env({ KFM_QUEUE_TIMEOUT: '10' });
    // Each worker in a checkout of its own: the task code, no kfmfile, no .kfm of the build.
    const checkouts = [0, 1, 2].map(() => taskCode(newRig({})));
    const workers = checkouts.map((c) => c.start(['worker', '-j', '2'], { env: e, timeoutMs: 300_000 }));
    try {
      for (const w of workers) await w.waitFor('stdout', /^worker /m, 60_000);
      const build = coordinator.start(['build', '--executor', 'queue', '--json'], { env: e, timeoutMs: 300_000 });
      // The first worker to finish a job is killed (it may hold another: that one is retried elsewhere).
      const victim = await Promise.race(workers.map((w) => w.waitFor('stdout', /^done /m, 240_000).then(() => w, () => new Promise<never>(() => undefined))));
      victim.child.kill('SIGKILL');
      await victim.exited;
      const done = await build.exited;
      expect(done.code, done.stderr).toBe(0);
      const report = JSON.parse(done.stdout) as typeof localBuilt.report;
      expect(report.nodes.map((n) => [n.id, n.status, n.key])).toEqual(localBuilt.report.nodes.map((n) => [n.id, 'executed', n.key]));
      expect(report.versions.map((v) => v.dataset_version_id)).toEqual(localBuilt.report.versions.map((v) => v.dataset_version_id));

      // Key for key and digest for digest the local build's; one result per node.
      const got = toMap(await query<ResultRow>(db, 'SELECT r.node_id, r.key, r.outputs, r.outputs_digest FROM kfm_latest l JOIN kfm_results r ON r.key = l.key'));
      expect([...got.entries()].sort()).toEqual([...localResults(local).entries()].sort());
      expect(await query(db, 'SELECT count(*)::int AS n FROM kfm_results')).toEqual([{ n: report.nodes.length }]);
      expect(await query(db, 'SELECT count(*)::int AS n FROM kfm_run_nodes')).toEqual([{ n: report.nodes.length }]);
      for (const v of report.versions) {
        const file = `data/processed/${v.dataset_slug}/${v.dataset_version_id}/${v.dataset_slug}.geojson`;
        expect(readFileSync(coordinator.path(file))).toEqual(readFileSync(local.path(file)));
      }

      // Every node done by some worker; the survivors finished all but what the victim reported.
      const survivors = workers.filter((w) => w !== victim);
      const byVictim = doneNodes([victim]);
      expect(byVictim.length).toBeGreaterThan(0);
      expect(new Set(doneNodes(workers))).toEqual(new Set(report.nodes.map((n) => n.id)));
      expect(doneNodes(survivors).filter((id) => !byVictim.includes(id)).sort()).toEqual(report.nodes.map((n) => n.id).filter((id) => !byVictim.includes(id)).sort());

      // The ingests' input files came from the bucket: the workers' caches hold them, verified.
      const cached = new Map(checkouts.flatMap((c) => [...cachedInputs(c)]));
      for (const [path, hex] of cached) expect(path.split('/')[0]).toBe(hex);
      const names = [...cached.keys()].map((p) => p.split('/')[1]);
      expect(names).toContain('counties-10m.json');
      const counties = createHash('sha256').update(readFileSync(join(REPO_ROOT, 'node_modules/us-atlas/counties-10m.json'))).digest('hex');
      expect([...cached.values()]).toContain(counties);

      const verify = await coordinator.run(['receipts', 'verify'], { env: e });
      expect(verify.code, verify.stdout + verify.stderr).toBe(0);
      expect(verify.stdout).toMatch(/^receipts verified: \d+ ledger entries; chain, signatures/);
    } finally {
      await stop(workers);
    }
    for (const w of workers) expect(w.stderr).not.toContain('Error');
  }, 600_000);

  it("a worker whose checkout lacks the input file: the job's input comes from the bucket, the output equals a local build's", async () => {
    const TASK = `import type { TaskContext } from 'kfm';
export default async function t(ctx: TaskContext): Promise<void> {
  await ctx.output('rows.txt', (await ctx.inputs[0]!.read()).toString('utf8').toUpperCase(), 'text/plain');
}
`;
    const KFMFILE = `${KFMFILE_HEADER}export default defineKfm({ datasets: [
  dataset(spec('a'), [task('t', { run: './t.ts', inputs: ['src/rows.csv'] })], { slice: '2019' }),
] });
`;
    const files = { 'kfmfile.ts': KFMFILE, 'kfm.policy.json': RIG_POLICY, 't.ts': TASK, 'src/rows.csv': 'id\n1\n' };
    const local = newRig(files);
    const localBuilt = await local.buildJson();
    expect(localBuilt.result.code, localBuilt.result.stderr).toBe(0);
    const coordinator = newRig(files);
    const checkout = newRig({ 't.ts': TASK });
    const { env: e, db } = env();
    const worker = checkout.start(['worker', '-j', '1'], { env: e, timeoutMs: 120_000 });
    try {
      await worker.waitFor('stdout', /^worker /m, 60_000);
      const built = await coordinator.buildJson(['--executor', 'queue'], { env: e, timeoutMs: 120_000 });
      expect(built.result.code, built.result.stderr).toBe(0);
      expect(built.report.nodes.map((n) => [n.id, n.status, n.key])).toEqual([['a/t', 'executed', localBuilt.report.nodes[0]!.key]]);
      expect(existsSync(checkout.path('src'))).toBe(false);
      const hex = createHash('sha256').update('id\n1\n').digest('hex');
      expect(cachedInputs(checkout)).toEqual(new Map([[`${hex}/rows.csv`, hex]]));
      const got = toMap(await query<ResultRow>(db, 'SELECT r.node_id, r.key, r.outputs, r.outputs_digest FROM kfm_latest l JOIN kfm_results r ON r.key = l.key'));
      expect([...got.entries()]).toEqual([...localResults(local).entries()]);
    } finally {
      await stop([worker]);
    }
  }, 300_000);
});
