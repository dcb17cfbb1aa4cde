import type { TaskJob, TaskMessage, TaskOutcome } from './job.js';

/** Runs tasks: in worker threads (PoolRunner) or in-process in tests. */
export interface TaskRunner {
  /** How many jobs it takes at once (default: the build's job count). A pool that batches takes more than it has threads. */
  readonly capacity?: number;
  run(job: TaskJob, onMessage: (msg: TaskMessage) => void, signal: AbortSignal): Promise<TaskOutcome>;
  close(): Promise<void>;
}
