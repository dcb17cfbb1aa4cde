import { fileURLToPath } from 'node:url';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { distUrl } from '../../core/distUrl.js';
import type { TaskJob, TaskMessage, TaskOutcome } from './job.js';
import { CANCEL_IF_NOT_BEGUN, type TaskRunner } from './runner.js';
import type { BatchMessage } from './worker.js';

const NOT_STARTED: TaskOutcome = { ok: false, error: { message: 'cancelled before it started' }, notStarted: true };

/** Most jobs sent to a worker in one message. */
const BATCH_MAX = 64;
/**
 * Batches handed to piscina per thread. One: a batch waiting inside piscina could start
 * after a failure has stopped the build; here a job not yet sent can still be cancelled.
 */
const BATCHES_PER_THREAD = 1;

interface Queued {
  job: TaskJob;
  onMessage: (msg: TaskMessage) => void;
  signal: AbortSignal;
  resolve: (o: TaskOutcome) => void;
}

/**
 * Runs tasks on a piscina pool of worker threads. Jobs wait in a queue here and go to the
 * pool in batches formed as threads free up: one message, one channel and one abort signal
 * per batch instead of per job, so many small tasks cost far less than a round trip each,
 * while a short queue still goes out one job at a time. A worker runs one task at a time,
 * so `threads` bounds the tasks running at once. A job whose signal is aborted before it
 * is sent never starts (its outcome says so).
 */
export class PoolRunner implements TaskRunner {
  #pool: Piscina | undefined;
  readonly #threads: number;
  /**
   * Jobs it takes at once: enough for every thread's batch in flight and three more full
   * batches each waiting, not every ready node (a clean 50k build had 13,500 jobs queued
   * here, each with its job, RunningJob, abort controller and closures held meanwhile).
   */
  readonly capacity: number;
  #queue: Queued[] = [];
  #head = 0;
  #inFlight = 0;

  constructor(threads: number) {
    this.#threads = threads;
    this.capacity = threads * BATCHES_PER_THREAD * BATCH_MAX * 4;
  }

  /** The pool, started on the first job: a build where everything is cached starts no thread. */
  #started(): Piscina {
    this.#pool ??= new Piscina({
      filename: fileURLToPath(distUrl('engine/schedule/worker.js')),
      minThreads: this.#threads,
      maxThreads: this.#threads,
      concurrentTasksPerWorker: 1,
      idleTimeout: 60_000,
    });
    return this.#pool;
  }

  run(job: TaskJob, onMessage: (msg: TaskMessage) => void, signal: AbortSignal): Promise<TaskOutcome> {
    return new Promise((resolve) => {
      this.#queue.push({ job, onMessage, signal, resolve });
      this.#pump();
    });
  }

  #pump(): void {
    while (this.#inFlight < this.#threads * BATCHES_PER_THREAD && this.#head < this.#queue.length) {
      const waiting = this.#queue.length - this.#head;
      const size = Math.max(1, Math.min(BATCH_MAX, Math.ceil(waiting / (this.#threads * BATCHES_PER_THREAD))));
      const batch: Queued[] = [];
      while (batch.length < size && this.#head < this.#queue.length) {
        const q = this.#queue[this.#head++]!;
        if (q.signal.aborted) q.resolve(NOT_STARTED);
        else batch.push(q);
      }
      if (this.#head > 4096) {
        this.#queue = this.#queue.slice(this.#head);
        this.#head = 0;
      }
      if (batch.length === 0) continue;
      this.#inFlight++;
      void this.#send(batch).finally(() => {
        this.#inFlight--;
        this.#pump();
      });
    }
  }

  async #send(batch: Queued[]): Promise<void> {
    const { port1, port2 } = new MessageChannel();
    const began = new Set<number>();
    port1.on('message', ({ index, msg }: BatchMessage) => {
      if (msg.type === 'started') began.add(index);
      batch[index]?.onMessage(msg);
    });
    const abort = new AbortController();
    // A cancel reaches the worker, which skips the job if it has not begun (and lets it run
    // otherwise); an interrupt stops the worker, and with it every job of the batch.
    const listeners = batch.map((q, index) => () => {
      if (q.signal.reason === CANCEL_IF_NOT_BEGUN) port1.postMessage({ type: 'cancel', index });
      else abort.abort();
    });
    batch.forEach((q, i) => q.signal.addEventListener('abort', listeners[i]!, { once: true }));
    let outcomes: TaskOutcome[];
    try {
      outcomes = (await this.#started().run({ jobs: batch.map((q) => q.job), port: port2 }, { transferList: [port2], signal: abort.signal })) as TaskOutcome[];
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      // Let 'started' messages already posted arrive, to tell begun jobs from queued ones.
      await new Promise((r) => setImmediate(r));
      outcomes = batch.map((_, i): TaskOutcome => {
        if (!abort.signal.aborted) return { ok: false, error: { message: `worker failed: ${err.message}`, ...(err.stack ? { stack: err.stack } : {}) } };
        return began.has(i) ? { ok: false, error: { message: 'interrupted' } } : { ok: false, error: { message: 'cancelled before it started' }, notStarted: true };
      });
    } finally {
      // Let messages already posted by the worker arrive before the port closes.
      await new Promise((r) => setImmediate(r));
      port1.close();
      batch.forEach((q, i) => q.signal.removeEventListener('abort', listeners[i]!));
    }
    batch.forEach((q, i) => q.resolve(outcomes[i] ?? { ok: false, error: { message: 'worker returned no outcome' } }));
  }

  async close(): Promise<void> {
    await this.#pool?.destroy();
  }
}
