import type { Drift } from './projectionTarget.js';
import { featureCountOf, type Bbox, type ProjectedVersion } from './projectedVersion.js';

/** What a database target holds for a version, as its drift check reads it back. */
export interface ObservedVersion {
  /** Its dataset_versions row; null when the version is not loaded. */
  record: { spec_hash: string; policy_label: string; produced_at: string } | null;
  featureCount: number;
  /** Feature rows per artifact digest. */
  perArtifact: Map<string, number>;
  searchCount: number;
  /** Rows of its spatial index (the R*Tree or the geometry column), and of features with a box. */
  indexedCount: number;
  withBboxCount: number;
  bbox: Bbox | null;
  currentVersionId: string | null;
}

/** Degrees: coordinates stored as float64 come back exact; this only absorbs text round trips. */
const EXTENT_TOLERANCE = 1e-9;

/** The drifts between a version and what a target observed of it, each named. */
export function observedDrifts(version: ProjectedVersion, seen: ObservedVersion, expectCurrent: boolean): Drift[] {
  const id = `${version.dataset_slug}@${version.dataset_version_id}`;
  if (!seen.record) return [{ what: 'missing_version', expected: version.dataset_version_id, actual: null, message: `${id} is not loaded` }];
  const drifts: Drift[] = [];
  const add = (what: string, expected: unknown, actual: unknown, message: string) => drifts.push({ what, expected, actual, message });
  for (const field of ['spec_hash', 'policy_label', 'produced_at'] as const) {
    if (seen.record[field] !== version[field]) add(`version_${field}`, version[field], seen.record[field], `${id}: ${field} is ${seen.record[field]}, the version says ${version[field]}`);
  }
  const expected = featureCountOf(version);
  if (seen.featureCount !== expected) add('feature_count', expected, seen.featureCount, `${id}: ${seen.featureCount} feature rows, the version has ${expected}`);
  for (const a of version.artifacts) {
    const n = seen.perArtifact.get(a.digest) ?? 0;
    if (n !== a.feature_count) add('artifact_feature_count', { [a.digest]: a.feature_count }, { [a.digest]: n }, `${id}: ${n} rows from ${a.path} (${a.digest}), it has ${a.feature_count} features`);
  }
  if (seen.searchCount !== expected) add('search_count', expected, seen.searchCount, `${id}: ${seen.searchCount} search rows, the version has ${expected} features`);
  if (seen.indexedCount !== seen.withBboxCount) add('spatial_index_count', seen.withBboxCount, seen.indexedCount, `${id}: ${seen.indexedCount} spatial index rows for ${seen.withBboxCount} features with geometry`);
  if (!sameBbox(seen.bbox, version.extents.bbox)) add('extent', version.extents.bbox, seen.bbox, `${id}: the features' extent is ${JSON.stringify(seen.bbox)}, the version's is ${JSON.stringify(version.extents.bbox)}`);
  if (expectCurrent && seen.currentVersionId !== version.dataset_version_id) {
    add('not_current', version.dataset_version_id, seen.currentVersionId, `${version.dataset_slug} is projected at ${seen.currentVersionId ?? 'no version'}, not ${version.dataset_version_id}`);
  }
  return drifts;
}

function sameBbox(a: Bbox | null, b: Bbox | null): boolean {
  if (!a || !b) return a === b;
  return a.every((v, i) => Math.abs(v - b[i]!) <= EXTENT_TOLERANCE);
}
