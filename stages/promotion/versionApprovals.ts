import type { LedgerEntry } from '../../store/ledger/ledger.js';
import { LEDGER_KIND_APPROVAL, verifyApprovalEnvelope, type ApprovalRecord } from '../../store/receipts/approvalRecord.js';
import type { TrustedKeys } from '../../store/receipts/trustedKeys.js';
import type { Digest } from '../../core/digest.js';

/**
 * The approvals of one version in the ledger (kind `approval`) that count: the signature
 * verifies against the pinned keys, the record is valid, and it approves exactly this dvid
 * built from this spec_hash. In ledger order.
 */
export function versionApprovals(rows: readonly LedgerEntry[], keys: TrustedKeys, slug: string, dvid: string, specHash: Digest): ApprovalRecord[] {
  const out: ApprovalRecord[] = [];
  for (const row of rows) {
    if (row.kind !== LEDGER_KIND_APPROVAL || row.datasetSlug !== slug || row.datasetVersionId !== dvid) continue;
    const v = verifyApprovalEnvelope(row.envelope, keys);
    const a = v.claimed as ApprovalRecord | undefined;
    if (v.problems.length === 0 && a && a.dataset_slug === slug && a.dataset_version_id === dvid && a.spec_hash === specHash) out.push(a);
  }
  return out;
}
