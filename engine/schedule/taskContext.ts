import type { Digest } from '../../core/digest.js';
import type { Json, JsonObject } from '../../core/json.js';
import type { OutputRecord } from '../../core/outputRecord.js';

export interface InputFile {
  /** Path relative to the project root, `/`-separated. */
  path: string;
  absPath: string;
  digest: Digest;
  read(): Promise<Buffer>;
}

export interface UpstreamOutput {
  name: string;
  digest: Digest;
  size: number;
  mediaType: string;
  /** The store object's path (read-only). */
  path: string;
  /** The bytes, verified against the digest. */
  read(): Promise<Buffer>;
  text(): Promise<string>;
  json<T = unknown>(): Promise<T>;
}

export interface TaskLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** What a task function receives. */
export interface TaskContext<P extends JsonObject = JsonObject> {
  /** `<slug>/<task>` */
  id: string;
  dataset: string;
  task: string;
  /** The params, every `secret()` reference resolved to its value: use them, never record them. */
  params: P;
  /** The params as declared, secrets as `{ "$secret": NAME }` references: what a record may hold. */
  declaredParams: JsonObject;
  /** Declared input files, sorted by path. */
  inputs: InputFile[];
  /** Upstream outputs: `upstream['ks_counties/transform']['counties.geojson']`. */
  upstream: Record<string, Record<string, UpstreamOutput>>;
  /** Upstream outputs of one dependency, by output name; throws if it is not a dependency. */
  dep(nodeOrTask: string): Record<string, UpstreamOutput>;
  /** A private directory for temporary files. */
  scratchDir: string;
  /** Write a named output. The engine hashes and stores it. */
  output(name: string, data: string | Uint8Array, mediaType: string): Promise<OutputRecord>;
  /** Store a file the task wrote (in its scratch directory) as a named output. */
  outputFile(name: string, path: string, mediaType: string): Promise<OutputRecord>;
  /** Keep an output of this node's previous result (e.g. after an HTTP 304). */
  reuseOutput(name: string): Promise<OutputRecord>;
  /** The previous successful result of this node, if any. */
  previous: { outputs: OutputRecord[]; meta: Json } | null;
  /** Facts to keep with the result (validators of an HTTP fetch, counts). */
  setMeta(meta: Json): void;
  log: TaskLogger;
  /** Report progress of long work: bytes fetched, features processed. */
  progress(done: number, total?: number, unit?: string): void;
  signal: AbortSignal;
}

export type TaskFunction<P extends JsonObject = JsonObject> = (ctx: TaskContext<P>) => Promise<void>;
