import { isPromotable } from '../../core/datasetVersionStatus.js';
import { KfmError } from '../../core/error.js';
import { intactEntries } from '../../store/ledger/intactEntries.js';
import { LEDGER_KIND_RUN_RECEIPT, type LedgerEntry } from '../../store/ledger/ledger.js';
import { readRegistry, registeredSlugs, writeRegistry } from '../../store/registry/datasetRegistry.js';
import { promotedRegistry } from '../../store/registry/promotedRegistry.js';
import { rolledBackRegistry } from '../../store/registry/rolledBackRegistry.js';
import { verifyEnvelope } from '../../store/receipts/dsse.js';
import type { RunReceipt } from '../../store/receipts/runReceipt.js';
import { pinnedKeys, readTrustFile } from '../../store/receipts/trustFile.js';
import { claimedReceipt } from './ledgerReader.js';

/** A promotion completePromotions wrote into the registry. */
export interface CompletedPromotion {
  slug: string;
  datasetVersionId: string;
  /** The ledger entry of its promote receipt. */
  seq: number;
}

/**
 * Completes what a `kfm promote` killed between its ledger append and its registry write
 * left (stages/promotion/recordPromotion.ts signs the receipt first): the ledger's last
 * granted promotion of a registered dataset says it made a version the latest, the registry
 * does not. A denied promotion (a promote receipt whose validation.status is `fail`) moves
 * nothing and is never acted on. Only a promotion that started from the registry as it is
 * now is completed: its entry is in the ledger's intact prefix, its signature verifies
 * against the keys pinned in kfm.trust.json, the version is listed and promotable (or
 * quarantined, with a QA override in the receipt), and the receipt's
 * `previous_latest_version_id` is the registry's latest_version_id. Anything else is left
 * for `kfm receipts verify` to report. The caller holds the project lock.
 */
export function completePromotions(root: string, rows: readonly LedgerEntry[]): CompletedPromotion[] {
  const last = lastPromotions(rows);
  if (last.size === 0) return [];
  let keys: ReturnType<typeof pinnedKeys>;
  try {
    keys = pinnedKeys(readTrustFile(root));
  } catch (e) {
    if (e instanceof KfmError) return [];
    throw e;
  }
  const done: CompletedPromotion[] = [];
  for (const slug of registeredSlugs(root)) {
    const promotion = last.get(slug);
    if (!promotion) continue;
    const { row, receipt } = promotion;
    const dvid = receipt.dataset_version_id;
    let registry: ReturnType<typeof readRegistry>;
    try {
      registry = readRegistry(root, slug);
    } catch (e) {
      if (e instanceof KfmError) continue;
      throw e;
    }
    if (!registry || typeof dvid !== 'string' || registry.latest_version_id === dvid) continue;
    if (receipt.operation === 'rollback') {
      // A rollback killed after its decision: supersede what it withdrew, if that is still the latest.
      const from = receipt.environment?.parameters?.['from'];
      const to = registry.versions.find((v) => v.dataset_version_id === dvid);
      if (typeof from !== 'string' || from !== registry.latest_version_id || to?.status !== 'published' || !signedByPinnedKey(row.envelope, keys)) continue;
      writeRegistry(root, rolledBackRegistry(registry, from, dvid));
      done.push({ slug, datasetVersionId: dvid, seq: row.seq });
      continue;
    }
    const version = registry.versions.find((v) => v.dataset_version_id === dvid);
    const previous = receipt.environment?.parameters?.['previous_latest_version_id'];
    const overridden = version?.status === 'quarantined' && typeof receipt.environment?.parameters?.['override'] === 'object' && receipt.environment.parameters['override'] !== null;
    if (!version || !(isPromotable(version.status) || overridden) || previous !== registry.latest_version_id) continue;
    if (!signedByPinnedKey(row.envelope, keys)) continue;
    writeRegistry(root, promotedRegistry(registry, dvid));
    done.push({ slug, datasetVersionId: dvid, seq: row.seq });
  }
  return done;
}

/** Each dataset's last receipt that moved its pointer (a granted promotion or a rollback) in the ledger's intact prefix (rows in seq order). */
function lastPromotions(rows: readonly LedgerEntry[]): Map<string, { row: LedgerEntry; receipt: Partial<RunReceipt> }> {
  const intact = intactEntries(rows);
  const last = new Map<string, { row: LedgerEntry; receipt: Partial<RunReceipt> }>();
  for (const row of rows) {
    if (!intact.has(row.seq) || row.kind !== LEDGER_KIND_RUN_RECEIPT) continue;
    const receipt = claimedReceipt(row);
    const moves = receipt?.operation === 'promote' || receipt?.operation === 'rollback';
    if (!moves || typeof receipt!.dataset_slug !== 'string' || receipt!.validation?.status === 'fail') continue;
    const before = last.get(receipt!.dataset_slug!);
    if (!before || before.row.seq < row.seq) last.set(receipt!.dataset_slug!, { row, receipt: receipt! });
  }
  return last;
}

function signedByPinnedKey(envelope: string, keys: ReturnType<typeof pinnedKeys>): boolean {
  try {
    return verifyEnvelope(JSON.parse(envelope), keys).ok;
  } catch {
    return false;
  }
}
