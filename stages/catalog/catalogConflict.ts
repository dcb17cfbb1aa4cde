import type { CatalogRecord } from './catalogRecord.js';
import type { CatalogFile } from './catalogSources.js';

/**
 * Why a generated catalog cannot be written, or undefined when it can: a file the version's
 * recorded catalog already holds at the same path with other bytes (the generator's revision
 * or the kfmfile's `catalog.baseUrl` changed since). Files under data/ are never rewritten
 * with other bytes, and the earlier catalog receipt names those; such a version keeps its
 * catalog.
 */
export function catalogConflict(files: readonly CatalogFile[], record: CatalogRecord | undefined): string | undefined {
  if (!record) return undefined;
  const recorded = new Map(record.files.map((f) => [f.path, f.digest]));
  const changed = files.filter((f) => recorded.has(f.path) && recorded.get(f.path) !== f.digest).map((f) => `data/${f.path}`);
  if (changed.length === 0) return undefined;
  return (
    `its catalog was generated before with other bytes (${changed.join(', ')}; the catalog generator or catalog.baseUrl changed since, ` +
    `receipt ${record.receipt.run_id}): catalog files under data/ are never rewritten, so the version keeps that catalog`
  );
}
