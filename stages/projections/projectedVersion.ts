import type { Digest } from '../../core/digest.js';
import type { PolicyLabel } from '../../core/policyLabel.js';

/** `[west, south, east, north]` in degrees (EPSG:4326). */
export type { Bbox } from '../../core/geometryBbox.js';
import type { Bbox } from '../../core/geometryBbox.js';

/** Where and when a version's data is: what a target's extents are checked against. */
export interface VersionExtents {
  /** The union of its features' bounding boxes; null when it has no geometry. */
  bbox: Bbox | null;
  /** The period its slice names (`2017` → the whole year), as ISO 8601 dates; null when unknown. */
  temporal: { start: string; end: string } | null;
}

/** The QA outcome a projection shows beside a version: from its validation report. */
export interface QaSummary {
  status: string;
  checks: { name: string; status: string; value?: number }[];
  /** The validation report's digest in the content store, when the version has one. */
  report_digest: Digest | null;
}

/**
 * A feature artifact of a version: a GeoJSON FeatureCollection whose bytes a target reads
 * from the content store by `digest` (never from a path, never from a task's memory).
 */
export interface FeatureArtifact {
  /** Relative to the version's processed directory, as checksums.json lists it. */
  path: string;
  digest: Digest;
  media_type: string;
  /** Its number of features, counted when the version was read: what drift checks compare. */
  feature_count: number;
}

/**
 * What a projection target needs of a promoted version, and nothing else. Built today from
 * the files under data/ and the registry (`readProjectedVersion.ts`); later from the
 * version's catalogs (DCAT extents, STAC items), behind the same type.
 */
export interface ProjectedVersion {
  dataset_slug: string;
  title: string;
  dataset_version_id: string;
  spec_hash: Digest;
  policy_label: PolicyLabel;
  extents: VersionExtents;
  qa_summary: QaSummary;
  /** When the version's outputs were produced: the latest `ended_at` of its build receipts (never the wall clock). */
  produced_at: string;
  /** Its GeoJSON artifacts, in path order. */
  artifacts: FeatureArtifact[];
}

/** How many features a version has, over all its artifacts. */
export function featureCountOf(version: ProjectedVersion): number {
  return version.artifacts.reduce((n, a) => n + a.feature_count, 0);
}
