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
 * transform, qa) for the dvid, those of the first build that recorded any (the receipts one
 * build signs for a version share its `created_at`), in ledger order. Later retries add
 * receipts of their own but never change these, so a catalog generated from them is the
 * same bytes on every rerun. Empty when the ledger has none.
 */
export function firstBuildReceipts(entries: readonly LedgerEntry[], slug: string, dvid: string): CitedReceipt[] {
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
  const first = tasks[0]?.receipt.created_at;
  return tasks.filter((t) => t.receipt.created_at === first);
}
