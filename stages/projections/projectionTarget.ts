import type { PolicyLabel } from '../../core/policyLabel.js';
import type { ProjectedVersion } from './projectedVersion.js';

/** What a load did: `loaded` wrote the version's rows or archives; `unchanged` found them already there. */
export interface LoadResult {
  target: string;
  dataset_slug: string;
  dataset_version_id: string;
  status: 'loaded' | 'unchanged';
  /** Features (rows, or features tiled) the target holds for the version after the load. */
  feature_count: number;
  /** The version the dataset was projected at before, and after (the same when not activated). */
  previous_version_id: string | null;
  current_version_id: string | null;
}

/** What a swap did: the dataset's projected version before and after. */
export interface SwapResult {
  target: string;
  dataset_slug: string;
  from: string | null;
  to: string;
}

/** One thing a target holds that is not what the version says. */
export interface Drift {
  /** What drifted, e.g. `feature_count`, `extent`, `missing_version`, `not_current`, `archive_digest`. */
  what: string;
  expected: unknown;
  actual: unknown;
  message: string;
}

/** `check(version)`: what the target holds for the version, compared with the version. */
export interface DriftReport {
  target: string;
  dataset_slug: string;
  dataset_version_id: string;
  status: 'current' | 'drifted';
  drifts: Drift[];
}

export interface LoadOptions {
  /** Make this version the dataset's projected version in the same transaction (default true). */
  activate?: boolean;
}

export interface CheckOptions {
  /** Also require the version to be the dataset's projected version (default true). */
  expectCurrent?: boolean;
}

/**
 * A projection target: somewhere readers meet a promoted version (a database, a search
 * index, a tile archive). Rebuildable from the version and the content store, never the
 * truth. Every target refuses a version whose policy label it does not accept, before it
 * writes anything (`acceptedLabels.ts`).
 */
export interface ProjectionTarget {
  readonly name: string;
  /** The policy labels it may receive. */
  readonly accepts: readonly PolicyLabel[];
  /**
   * Loads the version in one step readers cannot see half of (one transaction, or archives
   * renamed into place). Loading a version that is already there is `unchanged`.
   */
  load(version: ProjectedVersion, options?: LoadOptions): Promise<LoadResult>;
  /**
   * Makes an already loaded version the dataset's projected version, in one step: a reader
   * sees the old version or the new one, never a mix (what rollback uses). A version not
   * loaded is a KfmError `usage`.
   */
  swap(datasetSlug: string, datasetVersionId: string): Promise<SwapResult>;
  /** Compares counts and extents in the target with the version's; writes nothing. */
  check(version: ProjectedVersion, options?: CheckOptions): Promise<DriftReport>;
  close(): Promise<void>;
}

/** A DriftReport from the drifts found. */
export function driftReport(target: string, version: ProjectedVersion, drifts: Drift[]): DriftReport {
  return {
    target,
    dataset_slug: version.dataset_slug,
    dataset_version_id: version.dataset_version_id,
    status: drifts.length === 0 ? 'current' : 'drifted',
    drifts,
  };
}
