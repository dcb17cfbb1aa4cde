import { receiptEnvironmentBlock } from '../../engine/receipts/receiptEnvironment.js';
import type { RegistryVersion } from '../../store/registry/datasetRegistry.js';
import { runId, type ReceiptOutput, type RunReceipt } from '../../store/receipts/runReceipt.js';
import { canonicalDigest } from '../../core/canonicalJson.js';
import type { Digest } from '../../core/digest.js';
import type { JsonObject } from '../../core/json.js';
import type { PolicyLabel } from '../../core/policyLabel.js';
import type { Actor } from '../../engine/receipts/actor.js';
import type { ReceiptEnvironment } from '../../engine/receipts/datasetReceipts.js';
import type { GateDecision } from './runGates.js';
import type { QaOverride } from './promotionEvidence.js';

export interface PromoteReceiptArgs {
  slug: string;
  version: RegistryVersion;
  /** latest_version_id before the promotion (and after it, when denied). */
  previous: string | null;
  /** Granted: the artifacts it publishes and the promotion manifest. Denied: none. */
  outputs: ReceiptOutput[];
  decision: GateDecision;
  decisionId: string;
  policy: { label: PolicyLabel; obligations: string[] };
  /** The digest of kfm.policy.json the gates read (null when there was none). */
  policyDigest: Digest | null;
  /** The ids of the approvals gate C counted. */
  approvals: string[];
  override: QaOverride | null;
  actor: Actor;
  environment: ReceiptEnvironment;
  now: Date;
}

/**
 * The signed record of a promotion decision, pure: operation `promote`, the version's own
 * rerun mode, no inputs. Granted (every gate PASS): `validation.status` `pass`, the
 * published artifacts and the manifest as outputs (the statement's subjects). Denied:
 * `validation.status` `fail` and no outputs: it publishes and moves nothing, and
 * completePromotions never acts on it. Either way the parameters carry every gate's answer
 * and reasons, the pointer before, the policy file's digest, the approvals counted and a
 * QA override with its rationale; `validation.reports` has one entry per gate.
 */
export function promoteReceipt(a: PromoteReceiptArgs): RunReceipt {
  const dvid = a.version.dataset_version_id;
  const granted = a.decision.overall === 'PASS';
  const parameters: JsonObject = {
    dataset_version_id: dvid,
    previous_latest_version_id: a.previous,
    decision: granted ? 'promoted' : 'denied',
    overall: a.decision.overall,
    gates: a.decision.gates.map((g) => ({ gate: g.gate, name: g.name, answer: g.answer, reasons: g.reasons })),
    policy_digest: a.policyDigest,
    approvals: a.approvals,
    override: a.override ? { principal: a.override.principal, role: a.override.role, rationale: a.override.rationale } : null,
  };
  const at = a.now.toISOString();
  const blocking = a.decision.gates.filter((g) => g.answer !== 'PASS').map((g) => `${g.gate} ${g.answer}`);
  return {
    kfm_run_receipt_version: 'v1',
    run_id: runId(a.now, a.slug, canonicalDigest(['promote', a.slug, dvid, a.previous, a.decisionId, at])),
    operation: 'promote',
    mode: a.version.mode,
    mode_reason: granted
      ? `promoted ${dvid} to latest_version_id (was ${a.previous ?? 'none'}): gates A–G all PASS${a.override ? `, the QA failure overridden by ${a.override.principal} (${a.override.role})` : ''}`
      : `promotion of ${dvid} denied (${blocking.join(', ')}): latest_version_id stays ${a.previous ?? 'none'}`,
    actor: { principal: a.actor.principal, role: a.actor.role },
    dataset_slug: a.slug,
    dataset_version_id: dvid,
    spec_hash: a.version.spec_hash,
    inputs: [],
    outputs: granted ? a.outputs : [],
    environment: receiptEnvironmentBlock(a.environment, parameters),
    validation: {
      status: granted ? 'pass' : 'fail',
      reports: a.decision.gates.map((g) => ({ name: `gate_${g.gate}`, status: g.answer === 'PASS' ? 'pass' : 'fail', value: g.answer })),
    },
    policy: { policy_label: a.policy.label, decision_id: a.decisionId, obligations: a.policy.obligations },
    timestamps: { started_at: at, ended_at: at },
    created_at: at,
  };
}
