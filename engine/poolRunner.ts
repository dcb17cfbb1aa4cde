import { fileURLToPath } from 'node:url';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { distUrl } from './distUrl.js';
import type { TaskJob, TaskMessage, TaskOutcome } from './job.js';
import type { TaskRunner } from './runner.js';

/** Runs tasks on a piscina pool of worker threads. */
export class PoolRunner implements TaskRunner {
  readonly #pool: Piscina;

  constructor(threads: number) {
    this.#pool = new Piscina({
      filename: fileURLToPath(distUrl('engine/worker.js')),
      minThreads: 1,
      maxThreads: threads,
      concurrentTasksPerWorker: 1,
      idleTimeout: 60_000,
    });
  }

  async run(job: TaskJob, onMessage: (msg: TaskMessage) => void, signal: AbortSignal): Promise<TaskOutcome> {
    const { port1, port2 } = new MessageChannel();
    port1.on('message', onMessage);
    try {
      return (await this.#pool.run({ job, port: port2 }, { transferList: [port2], signal })) as TaskOutcome;
    } catch (e) {
      if (signal.aborted) return { ok: false, error: { message: 'interrupted' } };
      const err = e instanceof Error ? e : new Error(String(e));
      return { ok: false, error: { message: `worker failed: ${err.message}`, ...(err.stack ? { stack: err.stack } : {}) } };
    } finally {
      // Let messages already posted by the worker arrive before the port closes.
      await new Promise((r) => setImmediate(r));
      port1.close();
    }
  }

  async close(): Promise<void> {
    await this.#pool.destroy();
  }
}
