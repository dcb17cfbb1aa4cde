import { mkdirSync, readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import type { LocalContentStore as ContentStore } from '../../store/contentStore.js';
import { KfmError } from '../../core/error.js';
import type { TaskJob, TaskMessage } from './job.js';
import type { OutputRecord } from '../../core/outputRecord.js';
import type { Json } from '../../core/json.js';
import type { InputFile, TaskContext, UpstreamOutput } from './taskContext.js';

const OUTPUT_NAME_RE = /^(?!\/)(?!.*(^|\/)\.\.?(\/|$))[A-Za-z0-9._\-/]+$/;

/** Builds the context a task function receives, and collects what it produces. */
export function createTaskContext(
  job: TaskJob,
  store: ContentStore,
  send: (msg: TaskMessage) => void,
  signal: AbortSignal,
): { ctx: TaskContext; result: () => { outputs: OutputRecord[]; meta: Json }; scratchCreated: () => boolean } {
  const outputs = new Map<string, OutputRecord>();
  let meta: Json = null;

  const record = (name: string, stored: { digest: OutputRecord['digest']; size: number }, mediaType: string): OutputRecord => {
    const r: OutputRecord = { name, digest: stored.digest, size: stored.size, media_type: mediaType };
    outputs.set(name, r);
    return r;
  };
  const checkName = (name: string, mediaType: string) => {
    if (typeof name !== 'string' || !OUTPUT_NAME_RE.test(name) || name.includes('//') || name.endsWith('/')) {
      throw new KfmError('task', `invalid output name ${JSON.stringify(name)}: use a relative path of letters, digits, . _ - /`);
    }
    if (outputs.has(name)) throw new KfmError('task', `output "${name}" was written twice`);
    if (typeof mediaType !== 'string' || !/^[\w.+-]+\/[\w.+-]+/.test(mediaType)) {
      throw new KfmError('task', `output "${name}" needs a media type such as application/json (got ${JSON.stringify(mediaType)})`);
    }
  };

  const inputs: InputFile[] = job.inputs.map((i) => ({
    path: i.path,
    absPath: i.absPath,
    digest: i.digest,
    // Tasks run on worker threads: a synchronous read is cheaper than the promise API.
    read: async () => readFileSync(i.absPath),
  }));

  const upstream: Record<string, Record<string, UpstreamOutput>> = {};
  for (const [depId, outs] of Object.entries(job.upstream)) {
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
    upstream[depId] = byName;
  }

  // Made on first use: most tasks never need one, and a directory per task costs two syscalls.
  let scratchCreated = false;

  const ctx: TaskContext = {
    id: job.nodeId,
    dataset: job.dataset,
    task: job.task,
    params: job.params,
    inputs,
    upstream,
    dep(nodeOrTask) {
      const id = nodeOrTask.includes('/') ? nodeOrTask : `${job.dataset}/${nodeOrTask}`;
      const outs = upstream[id];
      if (!outs) {
        throw new KfmError('task', `"${nodeOrTask}" is not a dependency of ${job.nodeId} (dependencies: ${Object.keys(upstream).join(', ') || 'none'})`);
      }
      return outs;
    },
    get scratchDir() {
      if (!scratchCreated) {
        mkdirSync(job.scratchDir, { recursive: true });
        scratchCreated = true;
      }
      return job.scratchDir;
    },
    async output(name, data, mediaType) {
      checkName(name, mediaType);
      signal.throwIfAborted();
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      return record(name, store.putBytes(bytes), mediaType);
    },
    async outputFile(name, path, mediaType) {
      checkName(name, mediaType);
      signal.throwIfAborted();
      if (!isAbsolute(path)) throw new KfmError('task', `outputFile needs an absolute path (got ${path})`);
      return record(name, store.putFile(path), mediaType);
    },
    async reuseOutput(name) {
      const prev = job.previous?.outputs.find((o) => o.name === name);
      if (!prev) throw new KfmError('task', `reuseOutput: the previous result has no output "${name}"`);
      if (!store.hasSync(prev.digest, prev.size)) {
        throw new KfmError('task', `reuseOutput: the stored bytes of "${name}" (${prev.digest}) are missing`);
      }
      checkName(name, prev.media_type);
      return record(name, { digest: prev.digest, size: prev.size }, prev.media_type);
    },
    previous: job.previous,
    setMeta(value) {
      meta = JSON.parse(JSON.stringify(value ?? null)) as Json;
    },
    log: {
      info: (message) => send({ type: 'log', level: 'info', message: String(message) }),
      warn: (message) => send({ type: 'log', level: 'warn', message: String(message) }),
      error: (message) => send({ type: 'log', level: 'error', message: String(message) }),
    },
    progress(done, total, unit) {
      send({ type: 'progress', done, ...(total !== undefined ? { total } : {}), ...(unit !== undefined ? { unit } : {}) });
    },
    signal,
  };

  return {
    ctx,
    scratchCreated: () => scratchCreated,
    result: () => ({
      outputs: [...outputs.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
      meta,
    }),
  };
}
