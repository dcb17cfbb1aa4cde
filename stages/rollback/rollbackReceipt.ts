import { receiptEnvironmentBlock } from '../../engine/receipts/receiptEnvironment.js';
import { canonicalDigest } from '../../core/canonicalJson.js';
import { digestHex, type Digest } from '../../core/digest.js';
import type { JsonObject } from '../../core/json.js';
import type { PolicyLabel } from '../../core/policyLabel.js';
import type { Actor } from '../../engine/receipts/actor.js';
import type { ReceiptEnvironment } from '../../engine/receipts/datasetReceipts.js';
import { runId, type RunReceipt } from '../../store/receipts/runReceipt.js';

export interface RollbackReceiptArgs {
  slug: string;
  /** The bad version, superseded. */
  from: string;
  /** The known-good version, latest again. */
  to: string;
  toSpecHash: Digest;
  label: PolicyLabel;
  reason: string;
  /** The projection targets re-synced to `to`. */
  targets: string[];
  actor: Actor;
  environment: ReceiptEnvironment;
  now: Date;
}

/** The id of a rollback decision: the dataset, the two versions, who and when. */
export function rollbackDecisionId(a: Pick<RollbackReceiptArgs, 'slug' | 'from' | 'to' | 'actor' | 'now'>): string {
  const hash8 = digestHex(canonicalDigest(['rollback', a.slug, a.from, a.to, a.actor.principal, a.now.toISOString()])).slice(0, 8);
  return `kfm://policy_decision/rollback/${a.slug}/${a.from}..${a.to}/${hash8}`;
}

/**
 * The signed rollback decision and receipt (runbook procedure E, steps 1 and 5), pure: who
 * (actor), why (`mode_reason`, and `reason` in the parameters), when (timestamps), the
 * version withdrawn (`from`, marked superseded) and the one made latest again
 * (`dataset_version_id`), and the projection targets re-synced. Operation and mode
 * `rollback`; no inputs or outputs: nothing is produced and nothing is deleted.
 */
export function rollbackReceipt(a: RollbackReceiptArgs): RunReceipt {
  const decisionId = rollbackDecisionId(a);
  const parameters: JsonObject = { from: a.from, to: a.to, previous_latest_version_id: a.from, reason: a.reason, targets: a.targets, decision_id: decisionId };
  return {
    kfm_run_receipt_version: 'v1',
    run_id: runId(a.now, a.slug, canonicalDigest(['rollback', decisionId])),
    operation: 'rollback',
    mode: 'rollback',
    mode_reason: `rollback of ${a.slug}: ${a.from} superseded, ${a.to} latest again: ${a.reason}`,
    actor: { principal: a.actor.principal, role: a.actor.role },
    dataset_slug: a.slug,
    dataset_version_id: a.to,
    spec_hash: a.toSpecHash,
    inputs: [],
    outputs: [],
    environment: receiptEnvironmentBlock(a.environment, parameters),
    validation: { status: 'pass', reports: [{ name: 'rollback_target_published', status: 'pass' }] },
    policy: { policy_label: a.label, decision_id: decisionId, obligations: [] },
    timestamps: { started_at: a.now.toISOString(), ended_at: a.now.toISOString() },
    created_at: a.now.toISOString(),
  };
}
