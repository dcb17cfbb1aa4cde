/**
 * The coordinator's side of `--executor queue` (engine/queue/queueRunner.ts) against a
 * real PostgreSQL, with the test taking the part of a worker through pg-boss: the job's
 * data is the plain TaskJob keyed by the node key; the first outcome settles it and a
 * second (a retried job finished twice) is ignored; a key already queued is refused
 * (policy stately); a job no worker finishes goes to the dead-letter queue and fails.
 */
import type PgBoss from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskJob, TaskOutcome } from '../../engine/schedule/job.js';
import { QueueRunner } from '../../engine/queue/queueRunner.js';
import { openTaskQueue, REPLIES_QUEUE, TASKS_QUEUE, type QueueReply } from '../../store/postgres/pgTaskQueue.js';
import { postgresUnavailable, startPostgres, type PostgresCluster } from '../support/postgres.js';

const skipped = postgresUnavailable();

function job(nodeId: string, key: string): TaskJob {
  return {
    nodeId,
    key,
    root: '/project',
    codeDigest: 'sha256:' + '0'.repeat(64),
    dataset: nodeId.split('/')[0]!,
    task: nodeId.split('/')[1]!,
    modulePath: '/project/task.ts',
    params: { n: 1 },
    inputs: [],
    upstream: {},
    scratchDir: '/project/.kfm/scratch/r/x',
    store: { kind: 's3', bucket: 'b', prefix: 'p/', region: 'us-east-1', forcePathStyle: true },
    previous: null,
  };
}

const OUTCOME: TaskOutcome = { ok: true, outputs: [], meta: { answer: 42 } };

/** Takes the next task job, as a worker would (waiting for it to be queued). */
async function take(boss: PgBoss): Promise<PgBoss.JobWithMetadata<TaskJob>> {
  for (;;) {
    const [j] = await boss.fetch<TaskJob>(TASKS_QUEUE, { batchSize: 1, includeMetadata: true });
    if (j) return j;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(skipped !== undefined)(`QueueRunner against PostgreSQL${skipped ? ` (${skipped})` : ''}`, () => {
  let cluster: PostgresCluster;
  let dbs = 0;
  beforeAll(async () => {
    cluster = await startPostgres();
  }, 120_000);
  afterAll(() => cluster?.stop());

  async function rig(timeoutSeconds = 900, retryLimit = 3): Promise<{ runner: QueueRunner; worker: PgBoss; close(): Promise<void> }> {
    const url = cluster.createDatabase(`queue_runner_${dbs++}`);
    const runner = new QueueRunner({ url, timeoutSeconds, retryLimit });
    const worker = await openTaskQueue(url);
    return {
      runner,
      worker,
      close: async () => {
        await runner.close();
        await worker.stop({ graceful: false, wait: true });
      },
    };
  }

  it('sends the plain TaskJob keyed by the node key; the first outcome settles it, a second is ignored', async () => {
    const r = await rig();
    try {
      const started: string[] = [];
      const sent = job('a/t', 'sha256:' + '1'.repeat(64));
      const result = r.runner.run(sent, (m) => started.push(m.type), new AbortController().signal);
      const j = await take(r.worker);
      expect(j.data).toEqual(sent);
      expect(j.singletonKey).toBe(sent.key);
      expect(j.policy).toBe('stately');
      expect(Number(j.expireInSeconds)).toBe(900);
      expect(j.retryLimit).toBe(3);
      const reply = (r2: QueueReply) => r.worker.send(REPLIES_QUEUE, r2);
      await reply({ type: 'started', jobId: j.id, worker: 'w1' });
      await reply({ type: 'outcome', jobId: j.id, worker: 'w1', outcome: OUTCOME });
      expect(await result).toEqual(OUTCOME);
      expect(started).toEqual(['started']);
      // The same job finished again (retried after a timeout): ignored, counted.
      await reply({ type: 'outcome', jobId: j.id, worker: 'w2', outcome: { ok: true, outputs: [], meta: { answer: 0 } } });
      for (let i = 0; r.runner.duplicates === 0; i++) await new Promise((res) => setTimeout(res, 50));
      expect(r.runner.duplicates).toBe(1);
    } finally {
      await r.close();
    }
  }, 60_000);

  it('refuses a second job for a key already queued (policy stately)', async () => {
    const r = await rig();
    try {
      const key = 'sha256:' + '2'.repeat(64);
      // Two jobs for one key at once: whichever is sent second is refused.
      const runs = [1, 2].map((n) => r.runner.run({ ...job('a/t', key), params: { n } }, () => undefined, new AbortController().signal));
      const refused = await Promise.race(runs.map((p, i) => p.then((outcome) => ({ i, outcome }))));
      expect(refused.outcome).toEqual({ ok: false, error: { message: `a job for a/t (key ${key}) is already queued or running in kfm-tasks` } });
      const j = await take(r.worker);
      expect(j.data.params).toEqual({ n: 2 - refused.i });
      await r.worker.send(REPLIES_QUEUE, { type: 'outcome', jobId: j.id, worker: 'w', outcome: OUTCOME } satisfies QueueReply);
      expect(await runs[1 - refused.i]).toEqual(OUTCOME);
    } finally {
      await r.close();
    }
  }, 60_000);

  it('a job no worker finishes is retried, then fails its node from the dead-letter queue', async () => {
    const r = await rig(1, 1);
    try {
      const result = r.runner.run(job('a/t', 'sha256:' + '3'.repeat(64)), () => undefined, new AbortController().signal);
      // Taken twice (the first try and one retry after it expired), never answered.
      const first = await take(r.worker);
      const retried = await take(r.worker);
      expect(retried.id).toBe(first.id);
      expect(retried.retryCount).toBe(1);
      expect(await result).toEqual({ ok: false, error: { message: 'no worker finished the job: it timed out 2 times (1s each, KFM_QUEUE_TIMEOUT)' } });
    } finally {
      await r.close();
    }
  }, 60_000);

  it('a cancel before a worker began resolves not-started and cancels the job', async () => {
    const r = await rig();
    try {
      const abort = new AbortController();
      const result = r.runner.run(job('a/t', 'sha256:' + '4'.repeat(64)), () => undefined, abort.signal);
      const j = await take(r.worker);
      abort.abort('kfm:cancel-if-not-begun');
      expect(await result).toEqual({ ok: false, error: { message: 'cancelled before it started' }, notStarted: true });
      for (;;) {
        const found = await r.worker.getJobById(TASKS_QUEUE, j.id);
        if (found?.state === 'cancelled') break;
        await new Promise((res) => setTimeout(res, 50));
      }
    } finally {
      await r.close();
    }
  }, 60_000);
});
