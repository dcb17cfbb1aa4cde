import pg from 'pg';
import PgBoss from 'pg-boss';
import { KFM_LOCK_CLASS, pgFailure } from './pgDatabase.js';

/** The advisory lock (under KFM_LOCK_CLASS) that serializes creating pg-boss's schema and queues. */
const LOCK_QUEUE_SETUP = 4;

/** pg-boss keeps its tables in this schema of the KFM_STATE database (beside kfm's own). */
export const QUEUE_SCHEMA = 'kfm_boss';
/** Task jobs: one per node to run, its data the plain TaskJob, its singleton key the node's key. */
export const TASKS_QUEUE = 'kfm-tasks';
/** Replies from workers to the coordinator: a job began, a job's outcome. */
export const REPLIES_QUEUE = 'kfm-replies';
/** Task jobs whose retries ran out (every worker that took them died or timed out). */
export const DEAD_QUEUE = 'kfm-tasks-dead';
/** How often a worker and the coordinator look for new jobs. */
export const POLL_SECONDS = 0.5;

/** What a worker sends the coordinator about a task job (by the pg-boss job id the coordinator chose). */
export type QueueReply =
  | { type: 'started'; jobId: string; worker: string }
  | { type: 'outcome'; jobId: string; worker: string; outcome: unknown };

export interface TaskQueueOptions {
  /** Run pg-boss's maintenance (expiring jobs of dead workers) here, this often. */
  superviseSeconds?: number;
}

/**
 * pg-boss on the KFM_STATE database, started, with kfm's three queues created: the task
 * queue with policy `stately` (one job per node key queued and one active at a time: a key
 * never runs twice at once), its retries sent to the dead-letter queue when they run out.
 * A failure to connect is a KfmError `state` naming the database by its redacted URL.
 */
export async function openTaskQueue(url: string, options: TaskQueueOptions = {}): Promise<PgBoss> {
  const supervise = options.superviseSeconds !== undefined;
  const boss = new PgBoss({
    connectionString: url,
    schema: QUEUE_SCHEMA,
    application_name: 'kfm-queue',
    max: 4,
    supervise,
    schedule: false,
    ...(supervise ? { maintenanceIntervalSeconds: options.superviseSeconds } : {}),
  });
  // pg-boss reports a lost connection as an event; a failed query rejects where it is awaited.
  boss.on('error', () => undefined);
  // Workers starting at once would deadlock creating the queues' partitions: one at a time.
  const setup = new pg.Client({ connectionString: url, application_name: 'kfm-queue-setup' });
  try {
    await setup.connect();
    await setup.query('SELECT pg_advisory_lock($1, $2)', [KFM_LOCK_CLASS, LOCK_QUEUE_SETUP]);
    await boss.start();
    const queues: PgBoss.Queue[] = [
      { name: DEAD_QUEUE, policy: 'standard' },
      { name: REPLIES_QUEUE, policy: 'standard' },
      { name: TASKS_QUEUE, policy: 'stately', deadLetter: DEAD_QUEUE },
    ];
    for (const q of queues) if (!(await boss.getQueue(q.name))) await boss.createQueue(q.name, q);
    await setup.end();
  } catch (e) {
    await setup.end().catch(() => undefined);
    await boss.stop({ graceful: false, wait: true }).catch(() => undefined);
    throw pgFailure(url, 'cannot open the task queue', e);
  }
  return boss;
}
