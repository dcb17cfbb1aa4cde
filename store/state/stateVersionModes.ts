import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { KfmError } from '../../core/error.js';

/** A version the state database records: what verification compares the registry with. */
export interface StateVersionMode {
  datasetSlug: string;
  datasetVersionId: string;
  /** The rerun mode that created it (null for versions recorded before modes were). */
  mode: string | null;
}

/**
 * Every dataset version the state database records, read-only (`kfm receipts verify`
 * opens nothing for writing); none when there is no state file. Sorted by slug, then id.
 */
export function stateVersionModes(statePath: string): StateVersionMode[] {
  if (!existsSync(statePath)) return [];
  let db: Database.Database;
  try {
    db = new Database(statePath, { readonly: true, fileMustExist: true });
  } catch (e) {
    throw new KfmError('state', `cannot open the state database ${statePath}: ${(e as Error).message}`);
  }
  try {
    const has = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'versions'").get();
    if (!has) return [];
    const cols = (db.prepare('PRAGMA table_info(versions)').all() as { name: string }[]).map((c) => c.name);
    const mode = cols.includes('mode') ? 'mode' : 'NULL AS mode';
    return (
      db.prepare(`SELECT dataset_slug, dataset_version_id, ${mode} FROM versions ORDER BY dataset_slug, dataset_version_id`).all() as {
        dataset_slug: string;
        dataset_version_id: string;
        mode: string | null;
      }[]
    ).map((r) => ({ datasetSlug: r.dataset_slug, datasetVersionId: r.dataset_version_id, mode: r.mode }));
  } finally {
    db.close();
  }
}
