import { entryHash, GENESIS_HASH, type LedgerEntry } from './ledger.js';

/**
 * The seqs of the ledger's intact prefix: entries 1, 2, … in order, each hashing to its
 * entry_hash and linked to the one before, up to the first that is not (everything from a
 * break on is suspect). What kfm re-materialises receipt files from: an entry of this
 * prefix is exactly what was appended. `hashOf`: entryHash, or its results already computed.
 */
export function intactEntries(rows: readonly LedgerEntry[], hashOf: (r: LedgerEntry) => string = entryHash): Set<number> {
  const intact = new Set<number>();
  let prev = GENESIS_HASH as string;
  for (const [i, r] of rows.entries()) {
    if (r.seq !== i + 1 || r.prevHash !== prev || hashOf(r) !== r.entryHash) break;
    intact.add(r.seq);
    prev = r.entryHash;
  }
  return intact;
}
