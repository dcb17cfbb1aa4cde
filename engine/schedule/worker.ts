/** The worker-thread entry of the task pool (piscina): runs a batch of jobs in order. */
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { executeJob } from './executeJob.js';
import type { TaskJob, TaskMessage, TaskOutcome } from './job.js';
import { registerLoader } from '../load/registerLoader.js';

registerLoader();

/** A message from a job in the batch, tagged with the job's index. */
export interface BatchMessage {
  index: number;
  msg: TaskMessage;
}

export default async function runBatch({ jobs, port }: { jobs: TaskJob[]; port: MessagePort }): Promise<TaskOutcome[]> {
  // Piscina terminates the worker on abort; this signal lets a task stop cleanly first.
  const controller = new AbortController();
  const outcomes: TaskOutcome[] = [];
  try {
    const cancelled = new Set<number>();
    for (const [index, job] of jobs.entries()) {
      // Cancels sent since the last job (synchronously: no turn of the event loop is needed).
      for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) {
        const message = m.message as { type?: string; index?: number };
        if (message.type === 'cancel' && typeof message.index === 'number') cancelled.add(message.index);
      }
      if (cancelled.has(index)) {
        outcomes.push({ ok: false, error: { message: 'cancelled before it started' }, notStarted: true });
        continue;
      }
      outcomes.push(await executeJob(job, (msg) => port.postMessage({ index, msg } satisfies BatchMessage), controller.signal));
    }
    return outcomes;
  } finally {
    port.close();
  }
}
