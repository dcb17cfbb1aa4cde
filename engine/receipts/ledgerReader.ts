import type { LedgerEntry } from '../../store/ledger/ledger.js';
import type { DsseEnvelope } from '../../store/receipts/dsse.js';
import { unverifiedPayload } from '../../store/receipts/dsse.js';
import { parseStatement } from '../../store/receipts/inTotoStatement.js';
import type { RunReceipt } from '../../store/receipts/runReceipt.js';
import { openLedgerReadOnly } from '../load/openSeams.js';

/** The project's audit ledger entries (all, or of one dataset), read-only; none when there is no ledger yet. */
export async function readLedgerEntries(kfmDir: string, slug?: string): Promise<LedgerEntry[]> {
  const ledger = openLedgerReadOnly(kfmDir);
  if (!ledger) return [];
  try {
    return await (slug === undefined ? ledger.entries() : ledger.entriesFor(slug));
  } finally {
    await ledger.close();
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
