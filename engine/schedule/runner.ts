import type { TaskJob, TaskMessage, TaskOutcome } from './job.js';

/** Runs tasks: in worker threads (PoolRunner) or in-process in tests. */
export interface TaskRunner {
  /** How many jobs it takes at once (default: the build's job count). A pool that batches takes more than it has threads. */
  readonly capacity?: number;
  run(job: TaskJob, onMessage: (msg: TaskMessage) => void, signal: AbortSignal): Promise<TaskOutcome>;
  close(): Promise<void>;
}

/**
 * The abort reason meaning "do not start this job if it has not begun; if it has, let it
 * finish". Any other abort interrupts the job.
 */
export const CANCEL_IF_NOT_BEGUN = 'kfm:cancel-if-not-begun';
