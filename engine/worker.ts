/** The worker-thread entry of the task pool (piscina). */
import type { MessagePort } from 'node:worker_threads';
import { executeJob } from './executeJob.js';
import type { TaskJob, TaskOutcome } from './job.js';
import { registerLoader } from './registerLoader.js';

registerLoader();

export default async function runTask({ job, port }: { job: TaskJob; port: MessagePort }): Promise<TaskOutcome> {
  // Piscina terminates the worker on abort; this signal lets a task stop cleanly first.
  const controller = new AbortController();
  try {
    return await executeJob(job, (msg) => port.postMessage(msg), controller.signal);
  } finally {
    port.close();
  }
}
