import { createReadStream, mkdirSync, readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import type { ContentStore } from '../../store/contentStore.js';
import { KfmError } from '../../core/error.js';
import type { TaskJob, TaskMessage } from './job.js';
import type { OutputRecord } from '../../core/outputRecord.js';
import type { Json, JsonObject } from '../../core/json.js';
import type { InputFile, TaskContext, TaskLogger } from './taskContext.js';
import { OutputRecorder } from './outputRecorder.js';
import { upstreamView } from './upstreamView.js';
import { crashPoint } from '../run/crashPoint.js';

/**
 * Builds the context a task function receives, and collects what it produces. `job.params`
 * are the params the task runs with (secrets resolved); `declaredParams` as declared. Every
 * store call goes through the ContentStore seam (`put`, `putStream`, `has`, `get`, `materialize`).
 */
export async function createTaskContext(
  job: TaskJob,
  store: ContentStore,
  send: (msg: TaskMessage) => void,
  signal: AbortSignal,
  declaredParams: JsonObject = job.params,
): Promise<{ ctx: TaskContext; result: () => { outputs: OutputRecord[]; meta: Json }; scratchCreated: () => boolean }> {
  const outputs = new OutputRecorder();
  // Made on first use: most tasks never need one, and a directory per task costs two syscalls.
  let scratchCreated = false;
  const upstream = await upstreamView(job, store, () => {
    scratchCreated = true;
  });

  const ctx: TaskContext = {
    id: job.nodeId,
    dataset: job.dataset,
    task: job.task,
    params: job.params,
    declaredParams,
    inputs: inputFiles(job),
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
      outputs.check(name, mediaType);
      signal.throwIfAborted();
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      const stored = outputs.record(name, await store.put(bytes), mediaType);
      crashPoint('task-output');
      return stored;
    },
    async outputFile(name, path, mediaType) {
      outputs.check(name, mediaType);
      signal.throwIfAborted();
      if (!isAbsolute(path)) throw new KfmError('task', `outputFile needs an absolute path (got ${path})`);
      return outputs.record(name, await store.putStream(createReadStream(path)), mediaType);
    },
    async reuseOutput(name) {
      const prev = job.previous?.outputs.find((o) => o.name === name);
      if (!prev) throw new KfmError('task', `reuseOutput: the previous result has no output "${name}"`);
      if (!(await store.has(prev.digest, prev.size))) {
        throw new KfmError('task', `reuseOutput: the stored bytes of "${name}" (${prev.digest}) are missing`);
      }
      outputs.check(name, prev.media_type);
      return outputs.record(name, { digest: prev.digest, size: prev.size }, prev.media_type);
    },
    previous: job.previous,
    setMeta(value) {
      outputs.setMeta(value);
    },
    log: taskLogger(send),
    progress(done, total, unit) {
      send({ type: 'progress', done, ...(total !== undefined ? { total } : {}), ...(unit !== undefined ? { unit } : {}) });
    },
    signal,
  };

  return { ctx, scratchCreated: () => scratchCreated, result: () => outputs.result() };
}

/** The job's declared inputs as a task reads them. */
function inputFiles(job: TaskJob): InputFile[] {
  return job.inputs.map((i) => ({
    path: i.path,
    absPath: i.absPath,
    digest: i.digest,
    // Tasks run on worker threads: a synchronous read is cheaper than the promise API.
    read: async () => readFileSync(i.absPath),
  }));
}

function taskLogger(send: (msg: TaskMessage) => void): TaskLogger {
  return {
    info: (message) => send({ type: 'log', level: 'info', message: String(message) }),
    warn: (message) => send({ type: 'log', level: 'warn', message: String(message) }),
    error: (message) => send({ type: 'log', level: 'error', message: String(message) }),
  };
}
