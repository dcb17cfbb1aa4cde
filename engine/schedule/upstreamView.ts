import type { LocalContentStore as ContentStore } from '../../store/contentStore.js';
import type { TaskJob } from './job.js';
import type { UpstreamOutput } from './taskContext.js';

/** A job's upstream outputs as a task reads them (`ctx.upstream`), each read from the store. */
export function upstreamView(upstream: TaskJob['upstream'], store: Pick<ContentStore, 'read'>): Record<string, Record<string, UpstreamOutput>> {
  const view: Record<string, Record<string, UpstreamOutput>> = {};
  for (const [depId, outs] of Object.entries(upstream)) {
    const byName: Record<string, UpstreamOutput> = {};
    for (const [name, o] of Object.entries(outs)) {
      const read = async () => store.read(o.digest);
      byName[name] = {
        name,
        digest: o.digest,
        size: o.size,
        mediaType: o.media_type,
        path: o.absPath,
        read,
        text: async () => (await read()).toString('utf8'),
        json: async <T>() => JSON.parse((await read()).toString('utf8')) as T,
      };
    }
    view[depId] = byName;
  }
  return view;
}
