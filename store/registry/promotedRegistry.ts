import type { DatasetRegistry } from './datasetRegistry.js';

/**
 * The registry after promoting one of its versions (pure): the version is `published` and
 * is latest_version_id. What `kfm promote` writes, and what completing a promotion a killed
 * `kfm promote` left in the ledger only writes (engine/receipts/completePromotions.ts).
 */
export function promotedRegistry(registry: DatasetRegistry, dvid: string): DatasetRegistry {
  return {
    ...registry,
    versions: registry.versions.map((v) => (v.dataset_version_id === dvid ? { ...v, status: 'published' } : v)),
    latest_version_id: dvid,
  };
}
