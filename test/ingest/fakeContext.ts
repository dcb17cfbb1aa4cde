/**
 * A TaskContext without the engine: outputs in memory, a content store shared between runs
 * (so `reuseOutput` finds the previous run's bytes), and everything the task reports kept
 * for assertions.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Digest } from '../../core/digest.js';
import type { OutputRecord } from '../../core/outputRecord.js';
import type { Json, JsonObject } from '../../core/json.js';
import type { InputFile, TaskContext, TaskFunction } from '../../engine/schedule/taskContext.js';

export interface PreviousResult {
  outputs: OutputRecord[];
  meta: Json;
}

export interface RunResult extends PreviousResult {
  /** Output bytes by name. */
  bytes: Map<string, Buffer>;
  /** Names passed to reuseOutput, in order. */
  reused: string[];
  logs: { level: 'info' | 'warn' | 'error'; message: string }[];
  progress: { done: number; total: number | undefined; unit: string | undefined }[];
}

export interface RunOptions {
  params: JsonObject;
  /** The params as declared (secrets as references); default: `params`. */
  declaredParams?: JsonObject;
  previous?: PreviousResult | null;
  inputs?: InputFile[];
  signal?: AbortSignal;
  dataset?: string;
}

/** Bytes by digest, shared by the runs of one test, like the engine's content store. */
export class FakeStore {
  readonly blobs = new Map<string, Buffer>();
  put(bytes: Buffer): Digest {
    const digest: Digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    this.blobs.set(digest, bytes);
    return digest;
  }
  text(record: OutputRecord): string {
    const bytes = this.blobs.get(record.digest);
    if (bytes === undefined) throw new Error(`no blob ${record.digest}`);
    return bytes.toString('utf8');
  }
}

/** Run a task function once; resolves with what it produced, rejects with what it threw. */
export async function runTask(task: TaskFunction, store: FakeStore, options: RunOptions): Promise<RunResult> {
  const scratchDir = await mkdtemp(join(tmpdir(), 'kfm-ingest-test-'));
  const previous = options.previous ?? null;
  const outputs = new Map<string, OutputRecord>();
  const bytes = new Map<string, Buffer>();
  const reused: string[] = [];
  const logs: RunResult['logs'] = [];
  const progress: RunResult['progress'] = [];
  let meta: Json = null;

  const put = (name: string, data: Buffer, mediaType: string): OutputRecord => {
    if (outputs.has(name)) throw new Error(`output ${name} written twice`);
    const record: OutputRecord = { name, digest: store.put(data), size: data.byteLength, media_type: mediaType };
    outputs.set(name, record);
    bytes.set(name, data);
    return record;
  };

  const ctx: TaskContext = {
    id: `${options.dataset ?? 'test_ds'}/ingest`,
    dataset: options.dataset ?? 'test_ds',
    task: 'ingest',
    params: options.params,
    declaredParams: options.declaredParams ?? options.params,
    inputs: options.inputs ?? [],
    upstream: {},
    dep(nodeOrTask) {
      throw new Error(`${nodeOrTask} is not a dependency`);
    },
    scratchDir,
    async output(name, data, mediaType) {
      return put(name, Buffer.from(data), mediaType);
    },
    async outputFile(name, path, mediaType) {
      return put(name, await readFile(path), mediaType);
    },
    async reuseOutput(name) {
      const record = previous?.outputs.find((o) => o.name === name);
      if (record === undefined) throw new Error(`reuseOutput: no previous output ${name}`);
      const data = store.blobs.get(record.digest);
      if (data === undefined) throw new Error(`reuseOutput: ${record.digest} is not in the store`);
      reused.push(name);
      return put(name, data, record.media_type);
    },
    previous,
    setMeta(value) {
      // What crosses a thread and lands in SQLite is JSON: it must survive a round trip.
      const copy: unknown = JSON.parse(JSON.stringify(value));
      if (JSON.stringify(copy) !== JSON.stringify(value)) throw new Error('meta is not JSON');
      meta = value;
    },
    log: {
      info: (message) => logs.push({ level: 'info', message }),
      warn: (message) => logs.push({ level: 'warn', message }),
      error: (message) => logs.push({ level: 'error', message }),
    },
    progress(done, total, unit) {
      progress.push({ done, total, unit });
    },
    signal: options.signal ?? new AbortController().signal,
  };

  try {
    await task(ctx);
  } finally {
    await rm(scratchDir, { recursive: true, force: true });
  }
  const sorted = [...outputs.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { outputs: sorted, meta, bytes, reused, logs, progress };
}

/** An InputFile for a file on disk, as the engine would declare it. */
export async function inputFile(path: string, absPath: string): Promise<InputFile> {
  const data = await readFile(absPath);
  return {
    path,
    absPath,
    digest: `sha256:${createHash('sha256').update(data).digest('hex')}`,
    read: () => readFile(absPath),
  };
}
