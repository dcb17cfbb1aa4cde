/**
 * The public API of kfm: what a kfmfile.ts imports to declare datasets and tasks, and the
 * types a task module uses. `import { defineKfm, dataset, task } from 'kfm'`.
 */
import type { DatasetSpec } from '../core/spec.js';
import type { IngestOptions } from '../tasks/ingest/ingestOptions.js';
import type { GeneralizeOptions } from '../tasks/generalize/generalizeOptions.js';
import { parseGeneralizationMethod } from '../core/generalizationMethod.js';
import type { JsonObject } from '../core/json.js';
import type { CatalogOptions, DataTreeOptions, DatasetDecl, DatasetOptions, KfmConfig, ProjectionOptions, TaskDecl, TaskOptions } from '../core/kfmConfig.js';
import { captureCallSite } from '../engine/load/callSite.js';
import { secretRef, type SecretRef } from '../core/secretRef.js';

export type { DatasetSpec, TaskOperation, ValidationCheck, Zone } from '../core/spec.js';
export type { Json, JsonObject } from '../core/json.js';
export type { TaskContext, TaskFunction, UpstreamOutput, InputFile, TaskLogger } from '../engine/schedule/taskContext.js';
export type { IngestOptions, RequestValue } from '../tasks/ingest/ingestOptions.js';
export type { SecretRef } from '../core/secretRef.js';
export type { GeneralizeOptions } from '../tasks/generalize/generalizeOptions.js';
export type { CatalogOptions, DataTreeLink, DataTreeOptions, DatasetDecl, DatasetOptions, KfmConfig, ProjectionOptions, ProjectionTargetName, TaskDecl, TaskOptions } from '../core/kfmConfig.js';
/** Orders strings by code point (never `localeCompare`): what kfm sorts with, for deterministic task outputs. */
export { compareCodePoints } from '../core/compareCodePoints.js';

export function task(name: string, options: TaskOptions): TaskDecl {
  return { ...options, name, declaredAt: captureCallSite() };
}

export function dataset(spec: DatasetSpec, tasks: TaskDecl[], options: DatasetOptions = {}): DatasetDecl {
  return { spec, tasks, options, declaredAt: captureCallSite() };
}

/**
 * A reference to the secret `name`, never its value: `{ "$secret": name }`. Use it as an
 * ingest header or `query` value, or anywhere in a task's params. The worker resolves it
 * when the task runs, from the environment variable `name`, else from the file named by
 * `<name>_FILE` (one trailing newline trimmed); keys, receipts and records hold the name only,
 * so rotating a secret changes no key. A missing secret fails the task, naming the reference.
 */
export function secret(name: string): SecretRef {
  return secretRef(name);
}

export function defineKfm(config: { datasets: DatasetDecl[]; dataTree?: DataTreeOptions; catalog?: CatalogOptions; projections?: ProjectionOptions }): KfmConfig {
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

/**
 * A built-in generalization task (`kfm:generalize`): writes a generalized copy of one GeoJSON
 * output of an upstream node, by `method`: `centroid_only`, `bounding_box_only`,
 * `grid_aggregation_<n>` (one point per occupied n arc-second cell, with a count) or
 * `dissolve_to_admin_unit` (one feature per occupied admin unit, with a count). Its params
 * carry `generalization_method`, which the receipt and PROV record and promotion gate C
 * checks against the published geometry. An unknown method or a bad n is an error here,
 * at its declaration.
 */
export function generalize(name: string, options: GeneralizeOptions): TaskDecl {
  const { deps, method, ...rest } = options;
  parseGeneralizationMethod(method);
  const params = { ...rest, generalization_method: method };
  const implied = [options.artifact, ...(options.admin_units ? [options.admin_units.artifact] : [])];
  return {
    name,
    run: 'kfm:generalize',
    params: params as unknown as JsonObject,
    deps: deps ?? [...new Set(implied)],
    operation: 'transform',
    declaredAt: captureCallSite(),
  };
}
