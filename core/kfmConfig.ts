/**
 * What a kfmfile declares: its datasets, their tasks and options. The public API (`api/`)
 * builds these with `defineKfm`, `dataset` and `task`; the engine reads them, so they live
 * here, below both.
 */
import type { DatasetSpec, TaskOperation, Zone } from './spec.js';
import type { JsonObject } from './json.js';

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
  /**
   * When true, an input may be (or resolve through a symlink to) a file outside the project.
   * Default false: kfm refuses to read outside the project root, naming the path.
   */
  inputsOutsideProject?: boolean;
  /** Where the task's outputs appear in `data/`; `processed` unless said. Ingest tasks: `raw`. */
  zone?: Zone;
  /** Run every build even when the key is unchanged (e.g. an HTTP fetch that revalidates). */
  always?: boolean;
  /**
   * The task's outputs legitimately differ between runs (e.g. a fetch of live data):
   * `kfm build --verify-determinism` reports such a node but does not fail on it.
   * Not part of any key or spec_hash.
   */
  nondeterministic?: boolean;
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
  /**
   * The slices the dataset has (`['2017', '2018']`): a target naming another slice is an
   * error listing these. Unset: any real YYYY, YYYY-MM or YYYY-MM-DD slice.
   */
  slices?: string[];
}

export interface DatasetDecl {
  spec: DatasetSpec;
  tasks: TaskDecl[];
  options: DatasetOptions;
  declaredAt: Error | undefined;
}

/**
 * How `data/` holds a store object's bytes. `copy` (the default): an independent read-only
 * file, a reflink where the file system has one (copy-on-write: no bytes duplicated), else a
 * plain copy; editing it cannot reach the store. `hardlink`: the store object's own inode
 * (no copy, no space), and `symlink`: a relative link to the object; with either, writing
 * the data file (as root, or after a chmod) writes the store object.
 */
export type DataTreeLink = 'copy' | 'hardlink' | 'symlink';

export const DATA_TREE_LINKS: readonly DataTreeLink[] = ['copy', 'hardlink', 'symlink'];

export interface DataTreeOptions {
  link?: DataTreeLink;
}

/** The catalogs' options (stages/catalog). */
export interface CatalogOptions {
  /**
   * The absolute URL the data/ tree is published under, ending in `/` (e.g.
   * `https://data.example.org/kfm/`): STAC `self` links and DCAT download URLs are this and
   * the file's path under data/. Default `kfm://data/`.
   */
  baseUrl?: string;
}

/** A projection target's name: `search` is the FTS5 index inside the SQLite projection. */
export type ProjectionTargetName = 'sqlite' | 'search' | 'postgis' | 'tiles';
export const PROJECTION_TARGET_NAMES: readonly ProjectionTargetName[] = ['sqlite', 'search', 'postgis', 'tiles'];

/** Where promoted versions are projected (stages/projections): the build's `kfm:project` stage and `kfm rebuild`'s default. */
export interface ProjectionOptions {
  /** The targets a build keeps current with each dataset's latest published version (default: none, so a build projects nothing). */
  targets?: ProjectionTargetName[];
  /** The SQLite projection's file, relative to the project (default `projections/kfm.sqlite`). */
  sqlite?: { path?: string };
  /** The tile archives' directory (default `projections/tiles`) and the default zoom range (0–10; a spec's `tiles` overrides it). */
  tiles?: { dir?: string; minzoom?: number; maxzoom?: number };
  /** The PostgreSQL schema kfm's tables live in (default `kfm`); the connection is `KFM_POSTGRES_URL`, never the kfmfile. */
  postgis?: { schema?: string };
}

export interface KfmConfig {
  datasets: DatasetDecl[];
  /** How the data/ tree is materialized (default `{ link: 'copy' }`). */
  dataTree?: DataTreeOptions;
  /** How catalogs name their files (default `{ baseUrl: 'kfm://data/' }`). */
  catalog?: CatalogOptions;
  /** Where promoted versions are projected (default: nowhere until `kfm rebuild`). */
  projections?: ProjectionOptions;
}
