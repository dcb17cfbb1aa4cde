/**
 * Where a dataset version stands (registry/<slug>.json `versions[].status`):
 * `candidate`: a build made it; its artifacts are in the content store and linked under
 * data/, but nothing has published it. `quarantined`: QA failed on it; it cannot be
 * promoted. `published`: a promotion made it the registry's `latest_version_id` (it stays
 * `published` when a later promotion moves the pointer on). `superseded`: a rollback
 * withdrew it.
 */
export type DatasetVersionStatus = 'candidate' | 'quarantined' | 'published' | 'superseded';
export const DATASET_VERSION_STATUSES: readonly DatasetVersionStatus[] = ['candidate', 'quarantined', 'published', 'superseded'];

/** The statuses `kfm promote` accepts: a candidate, or a published version to point back at. */
export function isPromotable(status: DatasetVersionStatus): boolean {
  return status === 'candidate' || status === 'published';
}
