import { ledgerIdOf, shortLedgerId, type LedgerEntry } from '../../store/ledger/ledger.js';
import type { LocalAnchor } from '../../store/ledger/localAnchors.js';
import type { ReceiptsAnchor } from '../../store/registry/datasetRegistry.js';

/** The local ledger as anchor checks see it: its id (null while empty), its entries by seq, its last seq. */
export interface AnchoredLedger {
  id: string | null;
  bySeq: ReadonlyMap<number, LedgerEntry>;
  head: number;
}

/** The ledger a verification reads, for anchor checks. */
export function anchoredLedger(rows: readonly LedgerEntry[]): AnchoredLedger {
  return { id: ledgerIdOf(rows[0]), bySeq: new Map(rows.map((r) => [r.seq, r])), head: rows.length > 0 ? rows[rows.length - 1]!.seq : 0 };
}

/**
 * Whether an anchor names the local ledger: it does when its ledger_id is this ledger's, or
 * when it has none (written before ledgers were named: taken to be the local one's, as it
 * always was). Anything else is another ledger's (a clone's, or the checkout a clone came
 * from): not checkable here.
 */
export function isLocalAnchor(anchor: Pick<ReceiptsAnchor, 'ledger_id'>, ledger: AnchoredLedger): boolean {
  return anchor.ledger_id === undefined || anchor.ledger_id === ledger.id;
}

/**
 * Checks an anchor of version `slug@dvid` that names the local ledger: the ledger holds
 * that seq, with that entry hash, and it is a receipt of that version. Returns what is
 * wrong, or undefined. (The caller decides whose anchor it is: isLocalAnchor.)
 */
export function checkAnchor(anchor: ReceiptsAnchor, slug: string, dvid: string, ledger: AnchoredLedger): { problem: string; seq: number | null } | undefined {
  const row = ledger.bySeq.get(anchor.seq);
  if (!row) {
    return { problem: `version ${dvid} anchors ledger entry seq ${anchor.seq} (${anchor.entry_hash}), but the ledger ends at seq ${ledger.head}: entries were truncated`, seq: null };
  }
  if (row.entryHash !== anchor.entry_hash) {
    return { problem: `version ${dvid} anchors ledger entry seq ${anchor.seq} as ${anchor.entry_hash}, but the ledger's seq ${anchor.seq} is ${row.entryHash}: the ledger was rewritten`, seq: anchor.seq };
  }
  if (row.datasetSlug !== slug || row.datasetVersionId !== dvid) {
    return { problem: `version ${dvid} anchors ledger entry seq ${anchor.seq}, which is a receipt of ${String(row.datasetSlug)}@${String(row.datasetVersionId)}`, seq: anchor.seq };
  }
  return undefined;
}

/** The notice for a committed anchor that names another ledger. */
export function foreignAnchorNotice(anchor: ReceiptsAnchor, dvid: string, ledger: AnchoredLedger): string {
  return `version ${dvid} was recorded by ledger ${shortLedgerId(anchor.ledger_id ?? null)} (its anchor: seq ${anchor.seq}); this ledger is ${shortLedgerId(ledger.id)}: not checkable here`;
}

/**
 * The local anchors (`.kfm/anchors.json`) against the local ledger: each must name this
 * ledger (another id: the ledger was replaced or emptied since it recorded them) and hold
 * (checkAnchor). `skip` leaves out the ones the committed registry already has checked.
 */
export function checkLocalAnchors(anchors: readonly LocalAnchor[], ledger: AnchoredLedger, skip: (a: LocalAnchor) => boolean): { problem: string; seq: number | null }[] {
  const out: { problem: string; seq: number | null }[] = [];
  for (const a of anchors) {
    if (skip(a)) continue;
    const at = (p: { problem: string; seq: number | null }) => out.push({ ...p, problem: `.kfm/anchors.json: ${a.dataset_slug} ${p.problem}` });
    if (a.ledger_id !== ledger.id) {
      at({
        problem: `version ${a.dataset_version_id} was anchored in ledger ${shortLedgerId(a.ledger_id)} (seq ${a.seq} ${a.entry_hash}), but this ledger is ${shortLedgerId(ledger.id)}: the ledger was replaced or emptied`,
        seq: null,
      });
      continue;
    }
    const p = checkAnchor(a, a.dataset_slug, a.dataset_version_id, ledger);
    if (p) at(p);
  }
  return out;
}
