import { createHash } from 'node:crypto';
import type { Json, JsonObject, TaskContext, UpstreamOutput } from 'kfm';
import type { OutputRecord } from '../../core/outputRecord.js';

export interface FakeUpstreamFile {
  data: string | Uint8Array;
  mediaType?: string;
}

/** A TaskContext without the engine: upstream outputs from memory, outputs kept in memory. */
export interface FakeContext<P extends JsonObject> {
  ctx: TaskContext<P>;
  outputs: Map<string, { bytes: Buffer; mediaType: string }>;
  logs: { level: 'info' | 'warn' | 'error'; message: string }[];
  meta(): Json | undefined;
  /** An output parsed as JSON. */
  json<T = unknown>(name: string): T;
}

function digestOf(bytes: Uint8Array): `sha256:${string}` {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

function upstreamOutput(name: string, file: FakeUpstreamFile): UpstreamOutput {
  const bytes = Buffer.from(file.data);
  return {
    name,
    digest: digestOf(bytes),
    size: bytes.length,
    mediaType: file.mediaType ?? 'application/octet-stream',
    path: `/fake/${name}`,
    read: async () => Buffer.from(bytes),
    text: async () => bytes.toString('utf8'),
    json: async <T>() => JSON.parse(bytes.toString('utf8')) as T,
  };
}

/**
 * `upstream` maps node ids (`ingest`, `ks_places/transform`) to their outputs by name. As in
 * the engine, `dep()` accepts a node id or, for the same dataset, a bare task name.
 */
export function fakeContext<P extends JsonObject>(
  id: string,
  params: P,
  upstream: Record<string, Record<string, FakeUpstreamFile>>,
): FakeContext<P> {
  const [dataset = '', task = ''] = id.split('/');
  const outputs = new Map<string, { bytes: Buffer; mediaType: string }>();
  const logs: FakeContext<P>['logs'] = [];
  let meta: Json | undefined;
  const resolved: Record<string, Record<string, UpstreamOutput>> = {};
  for (const [node, files] of Object.entries(upstream)) {
    const nodeId = node.includes('/') ? node : `${dataset}/${node}`;
    resolved[nodeId] = Object.fromEntries(Object.entries(files).map(([name, f]) => [name, upstreamOutput(name, f)]));
  }
  const record = (name: string, bytes: Buffer, mediaType: string): OutputRecord => {
    outputs.set(name, { bytes, mediaType });
    return { name, digest: digestOf(bytes), size: bytes.length, media_type: mediaType };
  };
  const ctx: TaskContext<P> = {
    id,
    dataset,
    task,
    params,
    declaredParams: params,
    inputs: [],
    upstream: resolved,
    dep(nodeOrTask) {
      const nodeId = nodeOrTask.includes('/') ? nodeOrTask : `${dataset}/${nodeOrTask}`;
      const found = resolved[nodeId];
      if (found === undefined) throw new Error(`${nodeOrTask} is not a dependency of ${id}`);
      return found;
    },
    scratchDir: '/nonexistent-scratch',
    output: async (name, data, mediaType) => record(name, Buffer.from(data), mediaType),
    outputFile: async () => {
      throw new Error('outputFile is not supported by the fake context');
    },
    reuseOutput: async () => {
      throw new Error('reuseOutput is not supported by the fake context');
    },
    previous: null,
    setMeta(value) {
      meta = value;
    },
    log: {
      info: (message) => logs.push({ level: 'info', message }),
      warn: (message) => logs.push({ level: 'warn', message }),
      error: (message) => logs.push({ level: 'error', message }),
    },
    progress() {},
    signal: new AbortController().signal,
  };
  return {
    ctx,
    outputs,
    logs,
    meta: () => meta,
    json<T>(name: string): T {
      const out = outputs.get(name);
      if (out === undefined) throw new Error(`no output "${name}"; have: ${[...outputs.keys()].join(', ')}`);
      return JSON.parse(out.bytes.toString('utf8')) as T;
    },
  };
}
