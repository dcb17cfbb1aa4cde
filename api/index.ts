import type { IngestOptions } from '../tasks/ingest/ingestOptions.js';
/**
 * The public API of kfm: what a kfmfile.ts imports to declare datasets and tasks, and the
 * types a task module uses. `import { defineKfm, dataset, task } from 'kfm'`.
 */
import type { DatasetSpec, TaskOperation, Zone } from '../core/spec.js';
import type { JsonObject } from '../core/json.js';
import { captureCallSite } from '../engine/load/callSite.js';

export type { DatasetSpec, TaskOperation, ValidationCheck, Zone } from '../core/spec.js';
export type { Json, JsonObject } from '../core/json.js';
export type { TaskContext, TaskFunction, UpstreamOutput, InputFile, TaskLogger } from '../engine/schedule/taskContext.js';
export type { IngestOptions } from '../tasks/ingest/ingestOptions.js';
/** Orders strings by code point (never `localeCompare`): what kfm sorts with, for deterministic task outputs. */
export { compareCodePoints } from '../core/compareCodePoints.js';

/** One task of a dataset's DAG. */
export interface TaskOptions {
  /**
   * The task module: a path relative to the kfmfile (`./tasks/clean.ts`), or a built-in
   * (`kfm:ingest`). It default-exports `async (ctx) => { ... }`.
   */
  run: string;
  /** Parameters, checked against the module's exported `paramsSchema` when it has one. */
  params?: JsonObject;
  /** Upstream tasks: `name` in the same dataset, or `other_slug/name`. */
  deps?: string[];
  /** Input files, as globs relative to the project root. */
  inputs?: string[];
  /** When true (the default), an input glob that matches nothing is an error. */
  inputsRequired?: boolean;
  /** Where the task's outputs appear in `data/`; `processed` unless said. Ingest tasks: `raw`. */
  zone?: Zone;
  /** Run every build even when the key is unchanged (e.g. an HTTP fetch that revalidates). */
  always?: boolean;
  /**
   * What the task's run receipt calls it: `transform` unless said; `ingest()` tasks are
   * `ingest`; QA tasks say `qa` (their receipt then carries the QA report's results).
   */
  operation?: TaskOperation;
}

export interface TaskDecl extends TaskOptions {
  name: string;
  /** Where in the kfmfile this task was declared (for error messages). */
  declaredAt: Error | undefined;
}

export interface DatasetOptions {
  /** The slice built when a target names no slice (`kfm build` alone, or `kfm build ks_counties`). */
  slice?: string;
}

export interface DatasetDecl {
  spec: DatasetSpec;
  tasks: TaskDecl[];
  options: DatasetOptions;
  declaredAt: Error | undefined;
}

export interface KfmConfig {
  datasets: DatasetDecl[];
}

export function task(name: string, options: TaskOptions): TaskDecl {
  return { ...options, name, declaredAt: captureCallSite() };
}

export function dataset(spec: DatasetSpec, tasks: TaskDecl[], options: DatasetOptions = {}): DatasetDecl {
  return { spec, tasks, options, declaredAt: captureCallSite() };
}

export function defineKfm(config: { datasets: DatasetDecl[] }): KfmConfig {
  return config;
}

/**
 * A built-in ingest task. A `file:` source is a declared input (hashed like any other);
 * an HTTP source runs every build and revalidates with If-None-Match / If-Modified-Since,
 * so an unchanged upstream (304) keeps the same bytes and leaves downstream tasks cached.
 */
export function ingest(name: string, options: IngestOptions): TaskDecl {
  const { deps, ...params } = options;
  const isFile = options.source.startsWith('file:');
  return {
    name,
    run: 'kfm:ingest',
    params: params as unknown as JsonObject,
    deps: deps ?? [],
    inputs: isFile ? [options.source.slice('file:'.length)] : [],
    zone: 'raw',
    always: !isFile,
    operation: 'ingest',
    declaredAt: captureCallSite(),
  };
}
