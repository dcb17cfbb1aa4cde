import type { StateVersionMode } from '../state/stateVersionModes.js';
import { PgDatabase } from './pgDatabase.js';

/**
 * Every dataset version the PostgreSQL state records (slug, dvid, mode), read-only: what
 * `kfm receipts verify` compares the registry with, as `stateVersionModes` reads SQLite.
 * Nothing is created: a database without kfm's tables records none. Sorted by slug, then id.
 */
export async function pgStateVersionModes(url: string): Promise<StateVersionMode[]> {
  const db = new PgDatabase(url, { readonly: true, max: 1 });
  try {
    if (!(await db.ready())) return [];
    const { rows } = await db.query<{ dataset_slug: string; dataset_version_id: string; mode: string | null }>(
      'cannot read versions',
      'SELECT dataset_slug, dataset_version_id, mode FROM kfm_versions ORDER BY dataset_slug COLLATE "C", dataset_version_id COLLATE "C"',
    );
    return rows.map((r) => ({ datasetSlug: r.dataset_slug, datasetVersionId: r.dataset_version_id, mode: r.mode }));
  } finally {
    await db.end();
  }
}
