import { join } from 'node:path';
import type { ContentStore, LocalContentStore } from '../../store/contentStore.js';
import type { TaskJob } from './job.js';
import type { Digest } from '../../core/digest.js';
import { KfmError } from '../../core/error.js';
import { CorruptUpstreamError } from './corruptUpstreamError.js';
import type { UpstreamOutput } from './taskContext.js';

/** Where a non-local store's upstream objects are materialized, inside the task's scratch directory. */
export const UPSTREAM_DIR = '.kfm-upstream';

/**
 * A job's upstream outputs as a task reads them (`ctx.upstream`), each read from the store
 * (`get`: verified). Each output's `path` is a file holding its bytes: for the local file
 * store, the store object itself (read-only, no copy); for any other store (an object store,
 * the in-memory fake) there is no such file, so every upstream object is materialized before
 * the task runs, read-only, under `<scratchDir>/.kfm-upstream/<node id>/<output name>`
 * (`onScratch` is told, so the scratch directory is removed after the task).
 */
export async function upstreamView(
  job: Pick<TaskJob, 'upstream' | 'scratchDir'>,
  store: ContentStore,
  onScratch: () => void,
): Promise<Record<string, Record<string, UpstreamOutput>>> {
  const local = localPaths(store);
  const view: Record<string, Record<string, UpstreamOutput>> = {};
  for (const [depId, outs] of Object.entries(job.upstream)) {
    const byName: Record<string, UpstreamOutput> = {};
    for (const [name, o] of Object.entries(outs)) {
      let path: string;
      if (local) path = local.pathOf(o.digest);
      else {
        onScratch();
        path = join(job.scratchDir, UPSTREAM_DIR, depId, name);
        await store.materialize(o.digest, path, 'copy').catch((e: unknown) => quarantineAndThrow(store, { digest: o.digest, node: depId, output: name }, e));
      }
      const corrupt = { digest: o.digest, node: depId, output: name };
      const read = () => readVerified(store, corrupt);
      byName[name] = {
        name,
        digest: o.digest,
        size: o.size,
        mediaType: o.media_type,
        path,
        read,
        text: async () => (await read()).toString('utf8'),
        json: async <T>() => JSON.parse((await read()).toString('utf8')) as T,
      };
    }
    view[depId] = byName;
  }
  return view;
}

/** The local file store's object paths (the worker thread's own knowledge of its store), else undefined. */
function localPaths(store: ContentStore): Pick<LocalContentStore, 'pathOf'> | undefined {
  const s = store as ContentStore & Partial<LocalContentStore>;
  return store.descriptor.kind === 'local' && typeof s.pathOf === 'function' ? (s as Pick<LocalContentStore, 'pathOf'>) : undefined;
}

/** An upstream object's bytes; one that fails verification is quarantined (its producer reruns next build) and named. */
async function readVerified(store: ContentStore, corrupt: { digest: Digest; node: string; output: string }): Promise<Buffer> {
  try {
    return await store.get(corrupt.digest);
  } catch (e) {
    return quarantineAndThrow(store, corrupt, e);
  }
}

async function quarantineAndThrow(store: ContentStore, corrupt: { digest: Digest; node: string; output: string }, e: unknown): Promise<never> {
  if (!(e instanceof KfmError) || e.code !== 'store') throw e;
  await store.quarantine(corrupt.digest);
  throw new CorruptUpstreamError(corrupt, e.message);
}
