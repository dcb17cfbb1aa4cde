import { executeJob } from './executeJob.js';
import type { TaskJob, TaskMessage, TaskOutcome } from './job.js';
import type { TaskRunner } from './runner.js';
import type { TaskFunction } from './taskContext.js';

/**
 * Runs tasks in this thread with functions looked up by module path: for engine tests
 * (no worker threads, no module loading) and for embedding kfm where threads are unwanted.
 */
export class InProcessRunner implements TaskRunner {
  readonly #tasks: (modulePath: string) => TaskFunction;
  /** Node ids in the order they started (tests assert exactly which nodes ran). */
  readonly started: string[] = [];

  constructor(tasks: (modulePath: string) => TaskFunction) {
    this.#tasks = tasks;
  }

  run(job: TaskJob, onMessage: (msg: TaskMessage) => void, signal: AbortSignal): Promise<TaskOutcome> {
    this.started.push(job.nodeId);
    return executeJob(job, onMessage, signal, async (j) => this.#tasks(j.modulePath));
  }

  async close(): Promise<void> {}
}
