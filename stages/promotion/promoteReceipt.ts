import type { RegistryVersion } from '../../store/registry/datasetRegistry.js';
import { runId, type ReceiptOutput, type RunReceipt } from '../../store/receipts/runReceipt.js';
import { canonicalDigest } from '../../core/canonicalJson.js';
import type { PolicyLabel } from '../../core/policyLabel.js';
import type { Actor } from '../../engine/receipts/actor.js';
import type { ReceiptEnvironment } from '../../engine/receipts/datasetReceipts.js';

/** What `kfm promote` says on every run until fail-closed promotion (gates A–G) lands. */
export const PROMOTE_PLACEHOLDER_NOTICE = 'promote: no gates run (placeholder until fail-closed promotion lands)';

export interface PromoteReceiptArgs {
  slug: string;
  version: RegistryVersion;
  /** latest_version_id before the promotion. */
  previous: string | null;
  /** The version's artifacts it publishes: its processed files and checksums.json. */
  outputs: ReceiptOutput[];
  policy: { label: PolicyLabel; obligations: string[] };
  actor: Actor;
  environment: ReceiptEnvironment;
  now: Date;
}

/**
 * The signed record of a (placeholder) promotion, pure: operation `promote`, the version's
 * own rerun mode, no inputs, the published artifacts as outputs (the statement's subjects),
 * parameters naming the version, the pointer it replaced and the gates run (none), and a
 * policy decision id that says no gate decided.
 */
export function promoteReceipt(a: PromoteReceiptArgs): RunReceipt {
  const dvid = a.version.dataset_version_id;
  const parameters = { dataset_version_id: dvid, previous_latest_version_id: a.previous, gates: [] };
  const at = a.now.toISOString();
  return {
    kfm_run_receipt_version: 'v1',
    run_id: runId(a.now, a.slug, canonicalDigest(['promote', a.slug, dvid, a.previous, at])),
    operation: 'promote',
    mode: a.version.mode,
    mode_reason: `promoted ${dvid} to latest_version_id (was ${a.previous ?? 'none'}); no gates run: a placeholder until fail-closed promotion lands`,
    actor: { principal: a.actor.principal, role: a.actor.role },
    dataset_slug: a.slug,
    dataset_version_id: dvid,
    spec_hash: a.version.spec_hash,
    inputs: [],
    outputs: a.outputs,
    environment: {
      git_commit: a.environment.gitCommit,
      runtime: { kfm_version: a.environment.kfmVersion, node_version: a.environment.nodeVersion, platform: a.environment.platform },
      params_digest: canonicalDigest(parameters),
      parameters,
    },
    validation: { status: 'not_applicable', reports: [] },
    policy: {
      policy_label: a.policy.label,
      decision_id: `kfm://policy_decision/promote-no-gates/${a.slug}@${dvid}/${a.policy.label}`,
      obligations: a.policy.obligations,
    },
    timestamps: { started_at: at, ended_at: at },
    created_at: at,
  };
}
