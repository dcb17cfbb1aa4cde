import type { TaskJob, TaskMessage, TaskOutcome } from './job.js';

/** Runs tasks: in worker threads (PoolRunner) or in-process in tests. */
export interface TaskRunner {
  run(job: TaskJob, onMessage: (msg: TaskMessage) => void, signal: AbortSignal): Promise<TaskOutcome>;
  close(): Promise<void>;
}
