import { sha256, type Digest } from '../../core/digest.js';
import { TASK_OPERATIONS } from '../../core/spec.js';
import { LEDGER_KIND_RUN_RECEIPT, type LedgerEntry } from '../../store/ledger/ledger.js';
import { receiptFileName, type RunReceipt } from '../../store/receipts/runReceipt.js';
import { claimedReceipt } from '../../engine/receipts/ledgerReader.js';

/** A run receipt a catalog cites: the receipt, its ledger entry and its file under data/ with that file's digest. */
export interface CitedReceipt {
  receipt: RunReceipt;
  seq: number;
  /** `catalog/<slug>/<dvid>/receipts/<run>.json`, relative to data/. */
  path: string;
  /** SHA-256 of the receipt file's bytes (the envelope's canonical JSON and a newline, as ReceiptWriter writes it). */
  digest: Digest;
}

/**
 * The receipts of the run that produced a version: of the ledger's task receipts (ingest,
 * transform, qa) for the dvid, grouped by build (the receipts one build signs for a version
 * share its `created_at`), those of the first build whose group is `complete` (a build
 * killed while appending leaves a partial group; the retry that completes it is the one
 * the registry anchors), in ledger order. Later retries add receipts of their own but never
 * change these, so a catalog generated from them is the same bytes on every rerun. Empty
 * when no group is complete.
 */
export function firstBuildReceipts(
  entries: readonly LedgerEntry[],
  slug: string,
  dvid: string,
  complete: (receipts: readonly CitedReceipt[]) => boolean = () => true,
): CitedReceipt[] {
  const tasks: CitedReceipt[] = [];
  for (const e of entries) {
    if (e.kind !== LEDGER_KIND_RUN_RECEIPT || e.datasetSlug !== slug || e.datasetVersionId !== dvid) continue;
    const r = claimedReceipt(e) as RunReceipt | undefined;
    if (!r || !(TASK_OPERATIONS as readonly string[]).includes(r.operation)) continue;
    if (r.dataset_slug !== slug || r.dataset_version_id !== dvid) continue;
    tasks.push({
      receipt: r,
      seq: e.seq,
      path: `catalog/${slug}/${dvid}/receipts/${receiptFileName(r.run_id)}`,
      digest: sha256(Buffer.from(`${e.envelope}\n`, 'utf8')),
    });
  }
  const builds = new Map<string, CitedReceipt[]>();
  for (const t of tasks) builds.set(t.receipt.created_at, [...(builds.get(t.receipt.created_at) ?? []), t]);
  return [...builds.values()].find(complete) ?? [];
}
