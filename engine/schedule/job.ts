import type { OutputRecord } from '../../core/outputRecord.js';
import type { Digest } from '../../core/digest.js';
import type { Json, JsonObject } from '../../core/json.js';
import type { StoreDescriptor } from '../../store/contentStore.js';

/** A declared input file as the task sees it. */
export interface JobInput {
  /** Path relative to the project root, `/`-separated. */
  path: string;
  absPath: string;
  digest: Digest;
}

/** What the scheduler hands a runner to execute one node. Plain data: it crosses threads. */
export interface TaskJob {
  nodeId: string;
  /** The node's cache key, when the scheduler runs it (a queue's singleton key: one key runs once). */
  key?: string;
  /** The project root (errors are located relative to it). */
  root: string;
  /** Changes when the task's code changes, so a long-lived worker imports the new code. */
  codeDigest: string;
  dataset: string;
  task: string;
  /** Absolute path of the task module (TypeScript or JavaScript). */
  modulePath: string;
  params: JsonObject;
  inputs: JobInput[];
  /** Upstream outputs by upstream node id, then by output name (named by digest: no store layout here). */
  upstream: Record<string, Record<string, OutputRecord>>;
  /** A fresh private directory, removed after the task. */
  scratchDir: string;
  /** The content store the task reads upstream outputs from and writes its outputs to (`openStore`). */
  store: StoreDescriptor;
  /** The node's previous successful result, if any (an HTTP ingest revalidates against it). */
  previous: { outputs: OutputRecord[]; meta: Json } | null;
}

/** A failure as it crosses back from a task. */
export interface TaskFailure {
  message: string;
  /** `file:line:col` of the throwing frame in the task's own code, when known. */
  location?: string;
  stack?: string;
  /** The task read an upstream output whose store object failed verification (quarantined: its producer reruns). */
  corruptUpstream?: { digest: Digest; node: string; output: string };
}

/** What running a task produced. */
export type TaskOutcome =
  | { ok: true; outputs: OutputRecord[]; meta: Json }
  | { ok: false; error: TaskFailure; /** The job was cancelled before it began. */ notStarted?: boolean };

/** Messages a running task sends while it works. */
export type TaskMessage =
  /** The job left the runner's queue and began. */
  | { type: 'started' }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string }
  | { type: 'progress'; done: number; total?: number; unit?: string };
