import { rmSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { ContentStore, StoreDescriptor } from '../../store/contentStore.js';
import { openStore } from '../../store/openStore.js';
import { createTaskContext } from './createTaskContext.js';
import type { TaskJob, TaskMessage, TaskOutcome } from './job.js';
import type { TaskFunction } from './taskContext.js';
import { taskFailure } from './taskFailure.js';
import { resolveJobSecrets, type SecretScrubber } from './secretScrubber.js';
import { SecretResolutionError } from '../../core/secretRef.js';

/** Imports a task module; the code digest in the URL makes a changed module load afresh. */
export async function importTaskModule(job: Pick<TaskJob, 'modulePath' | 'codeDigest'>): Promise<Record<string, unknown>> {
  const url = pathToFileURL(job.modulePath);
  url.search = `?v=${job.codeDigest.slice(7, 23)}`;
  return (await import(url.href)) as Record<string, unknown>;
}

const loaded = new Map<string, Promise<TaskFunction>>();

/**
 * The task function a module default-exports, imported once per module and code digest for
 * the life of the thread (an `import()` goes through the loader hooks' thread every time).
 */
export function importTask(job: Pick<TaskJob, 'modulePath' | 'codeDigest'>): Promise<TaskFunction> {
  const k = `${job.codeDigest}:${job.modulePath}`;
  let p = loaded.get(k);
  if (!p) {
    loaded.set(k, (p = importTaskFunction(job)));
    p.catch(() => loaded.delete(k));
  }
  return p;
}

async function importTaskFunction(job: Pick<TaskJob, 'modulePath' | 'codeDigest'>): Promise<TaskFunction> {
  const mod = await importTaskModule(job);
  if (typeof mod.default !== 'function') {
    throw new Error(`task module ${job.modulePath} must default-export an async function (ctx) => {...}`);
  }
  return mod.default as TaskFunction;
}

/**
 * Runs one job to an outcome: the boundary where anything a task throws becomes a
 * TaskFailure. The job's `secret()` references are resolved here, in the worker, and their
 * values scrubbed from everything that crosses back. The scratch directory is removed afterwards.
 */
export async function executeJob(
  job: TaskJob,
  send: (msg: TaskMessage) => void,
  signal: AbortSignal,
  load: (job: TaskJob) => Promise<TaskFunction> = importTask,
): Promise<TaskOutcome> {
  let scratchCreated = () => false;
  let scrubber: SecretScrubber | undefined;
  send({ type: 'started' });
  try {
    const fn = await load(job);
    const secrets = resolveJobSecrets(job.params);
    const scrub = (scrubber = secrets.scrubber);
    const sendScrubbed = scrub.empty ? send : (msg: TaskMessage) => send(scrub.message(msg));
    const made = await createTaskContext({ ...job, params: secrets.params }, storeFor(job.store), sendScrubbed, signal, job.params);
    scratchCreated = made.scratchCreated;
    await fn(made.ctx);
    signal.throwIfAborted();
    const { outputs, meta } = made.result();
    return { ok: true, outputs, meta: scrub.json(meta) };
  } catch (e) {
    // A secret that cannot be resolved is the user's to fix: its message, no stack.
    const failure = e instanceof SecretResolutionError ? { message: e.message } : taskFailure(e, job.root);
    return { ok: false, error: scrubber ? scrubber.failure(failure) : failure };
  } finally {
    // A store other than the local one may have materialized upstream objects there (even if the context then failed).
    if (scratchCreated() || job.store.kind !== 'local') rmSync(job.scratchDir, { recursive: true, force: true });
  }
}

const stores = new Map<string, ContentStore>();

/**
 * The store a job's descriptor names, opened once per descriptor for the life of the thread
 * (a local store's shard directories and temp directory are remembered by the object). A
 * memory store is looked up each time: its registry is this process's, and a disposed one
 * must not linger here.
 */
function storeFor(descriptor: StoreDescriptor): ContentStore {
  if (descriptor.kind === 'memory') return openStore(descriptor);
  const k = JSON.stringify(descriptor);
  let s = stores.get(k);
  if (!s) stores.set(k, (s = openStore(descriptor)));
  return s;
}
