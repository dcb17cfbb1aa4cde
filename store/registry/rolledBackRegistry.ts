import type { DatasetRegistry } from './datasetRegistry.js';

/**
 * The registry after rolling a dataset back (pure): the bad version `from` is `superseded`
 * (its entry, catalogs and receipts kept) and `to`, a version promoted before, is
 * latest_version_id again. What `kfm rollback` writes (stages/rollback/rollbackVersion.ts),
 * and what completing a rollback a killed `kfm rollback` left in the ledger only writes
 * (engine/receipts/completePromotions.ts).
 */
export function rolledBackRegistry(registry: DatasetRegistry, from: string, to: string): DatasetRegistry {
  return {
    ...registry,
    versions: registry.versions.map((v) => (v.dataset_version_id === from ? { ...v, status: 'superseded' } : v)),
    latest_version_id: to,
  };
}
