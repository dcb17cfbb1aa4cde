import { gateResult, type GateResult } from './gate.js';
import type { PromotionEvidence } from './promotionEvidence.js';

/**
 * Gate E, receipts and checksums: every task node of the version has a receipt in the
 * audit ledger whose signature verifies against the keys pinned in kfm.trust.json, and the
 * audit of the version finds nothing (kfm receipts verify: the chain, signatures, receipt
 * schemas with their inputs, outputs and environment, every digest against the bytes in
 * the content store, the data tree), and every processed artifact holds the digest its
 * checksums.json lists. ABSTAIN for a version that has no task nodes to receipt; ERROR when
 * the ledger or store cannot be read; DENY for a missing receipt or any problem.
 */
export function gateReceipts(e: PromotionEvidence): GateResult {
  const r = e.receipts;
  if (r.status === 'missing') return gateResult('E', 'ABSTAIN', [r.message]);
  if (r.status === 'error') return gateResult('E', 'ERROR', [r.message]);
  const { nodes, receipted, problems, store_problems: stored, untraced } = r.value;
  if (nodes.length === 0) return gateResult('E', 'ABSTAIN', [`${e.slug}@${e.dvid} has no task nodes whose receipts could be checked`]);
  const unreceipted = nodes.filter((n) => !receipted.includes(n));
  const deny = [
    ...unreceipted.map((n) => `${n} has no receipt in the audit ledger signed by a key pinned in kfm.trust.json`),
    ...problems,
    ...stored,
    ...untraced.map((p) => `${p} is not an output of any verified receipt of ${e.slug}@${e.dvid}`),
  ];
  if (deny.length > 0) return gateResult('E', 'DENY', deny);
  return gateResult('E', 'PASS', [`${nodes.length} producing run${nodes.length === 1 ? '' : 's'} receipted and verified; every digest matches the stored bytes`]);
}
