import type { DataTreeLink, ProjectionOptions } from '../../core/kfmConfig.js';
import type { Location } from '../../core/error.js';
import type { JsonObject } from '../../core/json.js';
import type { DatasetSpec, TaskOperation, Zone } from '../../core/spec.js';

/** One task of the validated graph. Its id is `<slug>/<task>` (see `nodeId`). */
export interface GraphNode {
  id: string;
  dataset: string;
  task: string;
  /** The task module as written in the kfmfile (`./tasks/x.ts`, `kfm:ingest`). */
  run: string;
  /** Absolute path of the task module file. */
  modulePath: string;
  params: JsonObject;
  /** Upstream node ids, sorted by code point. */
  deps: string[];
  inputPatterns: string[];
  inputsRequired: boolean;
  /** `inputsOutsideProject`: inputs may resolve (through symlinks) outside the project. */
  inputsOutsideProject: boolean;
  zone: Zone;
  always: boolean;
  /** Declared `nondeterministic: true`: `--verify-determinism` reports it without failing. Not part of any key or spec_hash. */
  nondeterministic: boolean;
  /** What its run receipt calls it: `ingest`, `transform` (the default) or `qa`. Not part of any key or spec_hash. */
  operation: TaskOperation;
  /** Where the task is declared in the kfmfile (computed when first read). */
  readonly declaredAt: Location | undefined;
}

export interface GraphDataset {
  slug: string;
  spec: DatasetSpec;
  /** Node ids of this dataset, in declaration order. */
  nodes: string[];
  /** The slice used when a target names none. */
  defaultSlice: string | undefined;
  /** The slices the dataset declares it has (`dataset(spec, tasks, { slices })`); undefined: any real slice. */
  slices: readonly string[] | undefined;
  declaredAt: Location | undefined;
}

/** A kfmfile, validated: every dependency known, no cycles, names unique. */
export interface Graph {
  /** The project root: the kfmfile's directory. */
  root: string;
  kfmfile: string;
  datasets: Map<string, GraphDataset>;
  nodes: Map<string, GraphNode>;
  /** All node ids, dependencies before dependents. */
  order: string[];
  /** How data/ is materialized: the kfmfile's `dataTree.link` (absent: `copy`). */
  dataTreeLink?: DataTreeLink;
  /** The kfmfile's `catalog.baseUrl` (absent: the catalog stage's default, `kfm://data/`). */
  catalogBaseUrl?: string | undefined;
  /** The kfmfile's `projections`, checked (absent: a build projects nothing). */
  projections?: ProjectionOptions | undefined;
  /** Wall-clock ms when loading the kfmfile began (a later edit is not in this graph). */
  loadedAt?: number;
}

/** The one place that forms a node id. */
export function nodeId(dataset: string, task: string): string {
  return `${dataset}/${task}`;
}
