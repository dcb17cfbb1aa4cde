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

/** The last decoding of each entry object (with the envelope text it decoded): verify's several passes decode each entry once. */
const decoded = new WeakMap<LedgerEntry, { envelope: string; claim: Partial<RunReceipt> | undefined }>();

/**
 * What an entry's receipt claims, unverified (`kfm receipts verify` checks it): for
 * listings. Read-only: the same object is returned for the same entry (and envelope text).
 */
export function claimedReceipt(entry: LedgerEntry): Partial<RunReceipt> | undefined {
  const known = decoded.get(entry);
  if (known !== undefined && known.envelope === entry.envelope) return known.claim;
  const claim = decodeClaim(entry);
  decoded.set(entry, { envelope: entry.envelope, claim });
  return claim;
}

function decodeClaim(entry: LedgerEntry): Partial<RunReceipt> | undefined {
  try {
    const statement = parseStatement(unverifiedPayload(JSON.parse(entry.envelope) as DsseEnvelope));
    const p = statement.ok ? statement.value.predicate : undefined;
    return typeof p === 'object' && p !== null && !Array.isArray(p) ? (p as Partial<RunReceipt>) : undefined;
  } catch {
    return undefined;
  }
}
