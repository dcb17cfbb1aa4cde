import { hostname } from 'node:os';
import { join, relative, sep } from 'node:path';
import { openTaskQueue, POLL_SECONDS, REPLIES_QUEUE, TASKS_QUEUE, type QueueReply } from '../../store/postgres/pgTaskQueue.js';
import type { TaskJob, TaskMessage, TaskOutcome } from '../schedule/job.js';
import { PoolRunner } from '../schedule/poolRunner.js';
import { InputCache } from './inputCache.js';

/** What `kfm worker` reports as it serves. */
export type WorkerEvent =
  | { type: 'worker-ready'; worker: string; threads: number }
  | { type: 'job-start'; nodeId: string; jobId: string }
  | { type: 'job-log'; nodeId: string; level: 'info' | 'warn' | 'error'; message: string }
  | { type: 'job-done'; nodeId: string; jobId: string; ok: boolean; error?: string }
  | { type: 'job-foreign'; nodeId: string; why: string };

export interface ServeOptions {
  /** The KFM_STATE database. */
  url: string;
  /** Tasks run at once (threads of the pool, jobs taken at once). */
  threads: number;
  /** This machine's checkout of the project: a job's task module and scratch directory are moved from the coordinator's root to here. */
  root: string;
  /** Where the job's input files are fetched to from the store (by digest). */
  inputCache: string;
  signal: AbortSignal;
  onEvent: (e: WorkerEvent) => void;
}

/**
 * `kfm worker`: takes task jobs from the queue, `threads` at a time, and runs each on a
 * thread pool exactly as a local build's pool does (task code from the checkout, declared
 * input files fetched from the S3 store by digest into `inputCache`, upstream outputs read
 * from the store, outputs put there), then replies with the outcome. It commits
 * nothing: the coordinator does. Serves until `signal` aborts; then jobs in hand are failed
 * back to the queue (retried elsewhere) and the pool stops.
 */
export async function serveTaskQueue(o: ServeOptions): Promise<void> {
  const worker = `${hostname()}:${process.pid}`;
  const boss = await openTaskQueue(o.url);
  const pool = new PoolRunner(o.threads);
  const cache = new InputCache(o.inputCache);
  const abort = new AbortController();
  const reply = (r: QueueReply) => boss.send(REPLIES_QUEUE, r);
  const handle = async (jobId: string, raw: TaskJob): Promise<{ ok: boolean }> => {
    let job = rebase(raw, o.root);
    if (job.store.kind !== 's3') {
      o.onEvent({ type: 'job-foreign', nodeId: job.nodeId, why: `its store is ${job.store.kind}, not S3` });
      const outcome: TaskOutcome = { ok: false, error: { message: `a queued job needs an S3 store (KFM_STORE=s3://…); this one's is ${job.store.kind}` } };
      await reply({ type: 'outcome', jobId, worker, outcome });
      return { ok: false };
    }
    await reply({ type: 'started', jobId, worker });
    o.onEvent({ type: 'job-start', nodeId: job.nodeId, jobId });
    try {
      job = await cache.localize(job);
    } catch (e) {
      const outcome: TaskOutcome = { ok: false, error: { message: `cannot fetch the input files: ${e instanceof Error ? e.message : String(e)}` } };
      await reply({ type: 'outcome', jobId, worker, outcome });
      o.onEvent({ type: 'job-done', nodeId: job.nodeId, jobId, ok: false, error: outcome.error.message });
      return { ok: false };
    }
    const onMessage = (msg: TaskMessage) => {
      if (msg.type === 'log') o.onEvent({ type: 'job-log', nodeId: job.nodeId, level: msg.level, message: msg.message });
    };
    const outcome = await pool.run(job, onMessage, abort.signal);
    // A worker told to stop mid-task sends no outcome: the job goes back to the queue.
    if (abort.signal.aborted) throw new Error('the worker stopped');
    await reply({ type: 'outcome', jobId, worker, outcome });
    o.onEvent({ type: 'job-done', nodeId: job.nodeId, jobId, ok: outcome.ok, ...(outcome.ok ? {} : { error: outcome.error.message }) });
    return { ok: outcome.ok };
  };
  try {
    for (let i = 0; i < o.threads; i++) {
      // pg-boss waits out the polling interval after each fetch, however long the job took: a
      // consumer that just finished a job is notified, so it fetches the next one at once
      // (without this, at most two jobs per second per thread).
      const consumer = { id: '' };
      consumer.id = await boss.work<TaskJob>(TASKS_QUEUE, { batchSize: 1, pollingIntervalSeconds: POLL_SECONDS }, async ([j]) => {
        if (!j) return undefined;
        try {
          return await handle(j.id, j.data);
        } finally {
          if (consumer.id && !abort.signal.aborted) boss.notifyWorker(consumer.id);
        }
      });
    }
    o.onEvent({ type: 'worker-ready', worker, threads: o.threads });
    await new Promise<void>((resolve) => {
      if (o.signal.aborted) resolve();
      o.signal.addEventListener('abort', () => resolve(), { once: true });
    });
  } finally {
    abort.abort();
    await boss.stop({ graceful: true, wait: true, timeout: 5_000 }).catch(() => undefined);
    await pool.close();
  }
}

/** The job with its task module and scratch directory under `root` instead of the coordinator's project root (the same task code elsewhere). */
function rebase(job: TaskJob, root: string): TaskJob {
  if (job.root === root) return job;
  const move = (p: string) => {
    const rel = relative(job.root, p);
    return rel.startsWith('..') ? p : join(root, ...rel.split(sep));
  };
  return {
    ...job,
    root,
    modulePath: move(job.modulePath),
    scratchDir: move(job.scratchDir),
  };
}
