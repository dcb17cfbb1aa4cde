import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { LedgerEntry } from '../../store/ledger/ledger.js';
import { SqliteLedger } from '../../store/ledger/sqliteLedger.js';
import type { DsseEnvelope } from '../../store/receipts/dsse.js';
import { unverifiedPayload } from '../../store/receipts/dsse.js';
import { parseStatement } from '../../store/receipts/inTotoStatement.js';
import type { RunReceipt } from '../../store/receipts/runReceipt.js';

/** The project's audit ledger entries (all, or of one dataset), read-only; none when there is no ledger yet. */
export function readLedgerEntries(kfmDir: string, slug?: string): LedgerEntry[] {
  const path = join(kfmDir, 'ledger.db');
  if (!existsSync(path)) return [];
  const ledger = new SqliteLedger(path, { readonly: true });
  try {
    return slug === undefined ? ledger.entries() : ledger.entriesFor(slug);
  } finally {
    ledger.close();
  }
}

/** What an entry's receipt claims, unverified (`kfm receipts verify` checks it): for listings. */
export function claimedReceipt(entry: LedgerEntry): Partial<RunReceipt> | undefined {
  try {
    const statement = parseStatement(unverifiedPayload(JSON.parse(entry.envelope) as DsseEnvelope));
    const p = statement.ok ? statement.value.predicate : undefined;
    return typeof p === 'object' && p !== null && !Array.isArray(p) ? (p as Partial<RunReceipt>) : undefined;
  } catch {
    return undefined;
  }
}
