import { randomUUID } from 'node:crypto';
import type PgBoss from 'pg-boss';
import { openTaskQueue, POLL_SECONDS, DEAD_QUEUE, REPLIES_QUEUE, TASKS_QUEUE, type QueueReply } from '../../store/postgres/pgTaskQueue.js';
import type { TaskJob, TaskMessage, TaskOutcome } from '../schedule/job.js';
import { CANCEL_IF_NOT_BEGUN, type TaskRunner } from '../schedule/runner.js';
import { InputStager } from './inputStager.js';

const NOT_STARTED: TaskOutcome = { ok: false, error: { message: 'cancelled before it started' }, notStarted: true };

export interface QueueRunnerOptions {
  /** The KFM_STATE database. */
  url: string;
  /** A job active this long without an outcome (its worker died) is retried by another worker. */
  timeoutSeconds: number;
  /** How many times a job is retried after a timeout before its node fails. */
  retryLimit: number;
}

interface Pending {
  nodeId: string;
  onMessage: (msg: TaskMessage) => void;
  resolve: (o: TaskOutcome) => void;
  begun: boolean;
}

/**
 * Runs tasks on `kfm worker` processes through pg-boss (`kfm build --executor queue`): each
 * job is sent to the task queue (its data the plain TaskJob, its singleton key the node's
 * key, its id chosen here) and its outcome arrives on the replies queue. Inputs and outputs
 * travel through the S3 store, never through the queue: a job's declared input files are
 * put there before it is queued (InputStager), and workers fetch them by digest. The first outcome for a job
 * settles it; a second (a job retried after its worker timed out, whose first worker still
 * finished) is counted and ignored, so the scheduler commits each result once.
 */
export class QueueRunner implements TaskRunner {
  /** Everything ready goes to the queue at once: the workers bound what runs. */
  readonly capacity = 1 << 16;
  readonly #o: QueueRunnerOptions;
  #boss: Promise<PgBoss> | undefined;
  readonly #pending = new Map<string, Pending>();
  /** Outcomes that arrived for a job already settled (a retried job finished twice). */
  duplicates = 0;
  /** Puts each job's input files in the store before the job is queued. */
  readonly inputs = new InputStager();

  constructor(options: QueueRunnerOptions) {
    this.#o = options;
  }

  /** Connects, clears what a killed coordinator left queued, and starts reading replies. */
  #started(): Promise<PgBoss> {
    this.#boss ??= (async () => {
      const superviseSeconds = Math.max(1, Math.min(60, Math.ceil(this.#o.timeoutSeconds / 2)));
      const boss = await openTaskQueue(this.#o.url, { superviseSeconds });
      // One coordinator at a time holds the project lock: anything queued is a dead build's.
      await boss.purgeQueue(TASKS_QUEUE);
      await boss.purgeQueue(REPLIES_QUEUE);
      await boss.purgeQueue(DEAD_QUEUE);
      await boss.work<QueueReply>(REPLIES_QUEUE, { batchSize: 1000, pollingIntervalSeconds: POLL_SECONDS }, async (jobs) => {
        // A batch comes back in no particular order: a job's `started` before its outcome.
        const replies = jobs.map((j) => j.data);
        for (const r of replies) if (r.type === 'started') this.#reply(r);
        for (const r of replies) if (r.type === 'outcome') this.#reply(r);
      });
      await boss.work<TaskJob>(DEAD_QUEUE, { batchSize: 100, pollingIntervalSeconds: POLL_SECONDS }, async (jobs) => {
        for (const j of jobs) this.#dead(j.data);
      });
      return boss;
    })();
    return this.#boss;
  }

  run(job: TaskJob, onMessage: (msg: TaskMessage) => void, signal: AbortSignal): Promise<TaskOutcome> {
    const id = randomUUID();
    return new Promise<TaskOutcome>((resolve) => {
      const pending: Pending = { nodeId: job.nodeId, onMessage, resolve, begun: false };
      this.#pending.set(id, pending);
      const onAbort = () => {
        if (signal.reason === CANCEL_IF_NOT_BEGUN && pending.begun) return;
        this.#settle(id, pending.begun ? { ok: false, error: { message: 'interrupted' } } : NOT_STARTED);
        void this.#boss?.then((b) => b.cancel(TASKS_QUEUE, id)).catch(() => undefined);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#send(id, job).catch((e: unknown) => this.#settle(id, { ok: false, error: { message: `cannot queue the job: ${e instanceof Error ? e.message : String(e)}` } }));
    });
  }

  async #send(id: string, job: TaskJob): Promise<void> {
    const boss = await this.#started();
    await this.inputs.stage(job);
    // Settled (cancelled) while its inputs were staged: nothing to queue.
    if (!this.#pending.has(id)) return;
    const sent = await boss.send(TASKS_QUEUE, job as unknown as object, {
      id,
      singletonKey: job.key ?? job.nodeId,
      expireInSeconds: this.#o.timeoutSeconds,
      retryLimit: this.#o.retryLimit,
      retryDelay: 0,
    });
    if (sent === null) {
      this.#settle(id, { ok: false, error: { message: `a job for ${job.nodeId} (key ${job.key ?? 'none'}) is already queued or running in ${TASKS_QUEUE}` } });
    }
  }

  #reply(reply: QueueReply): void {
    const pending = this.#pending.get(reply.jobId);
    if (!pending) {
      if (reply.type === 'outcome') this.duplicates++;
      return;
    }
    if (reply.type === 'started') {
      if (!pending.begun) pending.onMessage({ type: 'started' });
      pending.begun = true;
      return;
    }
    this.#settle(reply.jobId, reply.outcome as TaskOutcome);
  }

  /** A job whose retries ran out: its node fails, saying so. */
  #dead(job: TaskJob): void {
    for (const [id, p] of this.#pending) {
      if (p.nodeId !== job.nodeId) continue;
      const message = `no worker finished the job: it timed out ${this.#o.retryLimit + 1} times (${this.#o.timeoutSeconds}s each, KFM_QUEUE_TIMEOUT)`;
      this.#settle(id, { ok: false, error: { message } });
    }
  }

  #settle(id: string, outcome: TaskOutcome): void {
    const pending = this.#pending.get(id);
    if (!pending) return;
    this.#pending.delete(id);
    pending.resolve(outcome);
  }

  async close(): Promise<void> {
    const boss = await this.#boss?.catch(() => undefined);
    await boss?.stop({ graceful: false, wait: true, close: true });
  }
}
