import { rmSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { FileContentStore } from '../store/contentStore.js';
import { createTaskContext } from './createTaskContext.js';
import type { TaskJob, TaskMessage, TaskOutcome } from './job.js';
import type { TaskFunction } from './taskContext.js';
import { taskFailure } from './taskFailure.js';

/** Imports a task module; the code digest in the URL makes a changed module load afresh. */
export async function importTaskModule(job: Pick<TaskJob, 'modulePath' | 'codeDigest'>): Promise<Record<string, unknown>> {
  const url = pathToFileURL(job.modulePath);
  url.search = `?v=${job.codeDigest.slice(7, 23)}`;
  return (await import(url.href)) as Record<string, unknown>;
}

/** The task function a module default-exports. */
export async function importTask(job: Pick<TaskJob, 'modulePath' | 'codeDigest'>): Promise<TaskFunction> {
  const mod = await importTaskModule(job);
  if (typeof mod.default !== 'function') {
    throw new Error(`task module ${job.modulePath} must default-export an async function (ctx) => {...}`);
  }
  return mod.default as TaskFunction;
}

/**
 * Runs one job to an outcome: the boundary where anything a task throws becomes a
 * TaskFailure. The scratch directory is removed afterwards.
 */
export async function executeJob(
  job: TaskJob,
  send: (msg: TaskMessage) => void,
  signal: AbortSignal,
  load: (job: TaskJob) => Promise<TaskFunction> = importTask,
): Promise<TaskOutcome> {
  try {
    const fn = await load(job);
    const { ctx, result } = createTaskContext(job, new FileContentStore(job.storeDir), send, signal);
    await fn(ctx);
    signal.throwIfAborted();
    const { outputs, meta } = result();
    return { ok: true, outputs, meta };
  } catch (e) {
    return { ok: false, error: taskFailure(e, job.root) };
  } finally {
    rmSync(job.scratchDir, { recursive: true, force: true });
  }
}
