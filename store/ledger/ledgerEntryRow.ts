import type { LedgerEntry } from './ledger.js';

/**
 * A ledger entry's row as SQL returns it: the same columns in SQLite (sqliteLedger.ts) and
 * PostgreSQL (store/postgres/pgLedger.ts, where a bigint `seq` comes back as a string).
 */
export interface LedgerEntryRow {
  seq: number | string;
  prev_hash: string;
  entry_hash: string;
  kind: string;
  dataset_slug: string | null;
  dataset_version_id: string | null;
  run_id: string | null;
  envelope: string;
  created_at: string;
}

export function ledgerEntryFromRow(r: LedgerEntryRow): LedgerEntry {
  return {
    seq: Number(r.seq),
    prevHash: r.prev_hash,
    entryHash: r.entry_hash,
    kind: r.kind,
    datasetSlug: r.dataset_slug,
    datasetVersionId: r.dataset_version_id,
    runId: r.run_id,
    envelope: r.envelope,
    createdAt: r.created_at,
  };
}
