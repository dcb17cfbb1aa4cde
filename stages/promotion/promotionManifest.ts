import type { Digest } from '../../core/digest.js';
import type { PolicyLabel } from '../../core/policyLabel.js';
import type { ApprovalRecord } from '../../store/receipts/approvalRecord.js';
import type { ReceiptOutput } from '../../store/receipts/runReceipt.js';
import { schemaValidator } from '../../store/schemaValidator.js';
import type { QaFindings, QaOverride } from './promotionEvidence.js';

export const PROMOTION_MANIFEST_VERSION = 'v1';
/** The manifest's file name in the version's catalog directory. */
export const PROMOTION_MANIFEST = 'promotion_manifest.json';

/** `data/catalog/<slug>/<dvid>/promotion_manifest.json` (schemas/promotion-manifest.schema.json). */
export interface PromotionManifest {
  kfm_promotion_manifest_version: typeof PROMOTION_MANIFEST_VERSION;
  dataset_slug: string;
  dataset_version_id: string;
  spec_hash: Digest;
  released_at: string;
  artifacts: { path: string; digest: Digest; media_type: string }[];
  catalogs: { path: string; digest: Digest }[];
  qa: { status: 'pass' | 'fail' | 'not_applicable'; report_digest: Digest | null };
  policy: { policy_label: PolicyLabel; decision_id: string };
  approvals: { role: string; principal: string; approved_at: string; approval_id?: string; override?: { gate: 'F'; rationale: string } }[];
}

export interface ManifestArgs {
  slug: string;
  dvid: string;
  specHash: Digest;
  now: Date;
  artifacts: ReceiptOutput[];
  catalogs: { path: string; digest: Digest }[];
  qa: QaFindings | null;
  label: PolicyLabel;
  decisionId: string;
  approvals: ApprovalRecord[];
  override: QaOverride | null;
}

/** The manifest of a granted promotion, pure. */
export function promotionManifest(a: ManifestArgs): PromotionManifest {
  const at = a.now.toISOString();
  const approvals: PromotionManifest['approvals'] = a.approvals.map((x) => ({ role: x.role, principal: x.principal, approved_at: x.approved_at, approval_id: x.approval_id }));
  if (a.override) approvals.push({ role: a.override.role, principal: a.override.principal, approved_at: at, override: { gate: 'F', rationale: a.override.rationale } });
  return {
    kfm_promotion_manifest_version: PROMOTION_MANIFEST_VERSION,
    dataset_slug: a.slug,
    dataset_version_id: a.dvid,
    spec_hash: a.specHash,
    released_at: at,
    artifacts: a.artifacts.map((o) => ({ path: o.path, digest: o.digest, media_type: o.media_type })),
    catalogs: a.catalogs.map((c) => ({ path: c.path, digest: c.digest })),
    qa: a.qa ? { status: a.qa.status, report_digest: a.qa.digest } : { status: 'not_applicable', report_digest: null },
    policy: { policy_label: a.label, decision_id: a.decisionId },
    approvals,
  };
}

const validate = schemaValidator('promotion-manifest');

/** Schema problems of a promotion manifest (empty: valid). */
export function validateManifest(value: unknown): string[] {
  return validate(value);
}
