import { receiptEnvironmentBlock } from '../../engine/receipts/receiptEnvironment.js';
import { canonicalDigest } from '../../core/canonicalJson.js';
import { sha256 } from '../../core/digest.js';
import type { JsonObject } from '../../core/json.js';
import type { Actor } from '../../engine/receipts/actor.js';
import type { ReceiptEnvironment } from '../../engine/receipts/datasetReceipts.js';
import { artifactIdOf, runId, type ReceiptInput, type RunReceipt } from '../../store/receipts/runReceipt.js';
import type { CatalogFacts } from './readCatalogVersion.js';
import type { TargetOutcome } from './syncVersion.js';

export interface RebuildReceiptArgs {
  slug: string;
  dvid: string;
  facts: CatalogFacts;
  outcomes: TargetOutcome[];
  /** Why it ran, in words (`kfm rebuild`, or the build's kfm:project stage). */
  reason: string;
  actor: Actor;
  environment: ReceiptEnvironment;
  seed: string;
  startedAt: Date;
  now: Date;
}

/**
 * The `rebuild` run receipt (runbook procedure D, step 5): what it read (the version's DCAT
 * and PROV records and its processed files, each by digest), what each target did and the
 * key it loaded with (parameters), and what it checked after the load (one report per
 * target: the features it holds for the version, and its drifts from the catalog: 0). It
 * names no outputs: projections are rebuildable, never artifacts of the version.
 */
export function rebuildReceipt(a: RebuildReceiptArgs): RunReceipt {
  const { slug, dvid, facts } = a;
  const inputs: ReceiptInput[] = [
    ...facts.sources.map((s) => {
      const digest = sha256(s.text);
      return { artifact_id: artifactIdOf(digest), zone: 'catalog' as const, uri: `data/${s.path}`, digest };
    }),
    ...facts.files.map((f) => ({ artifact_id: artifactIdOf(f.digest), zone: facts.zone, uri: `data/${facts.zone}/${slug}/${dvid}/${f.path}`, digest: f.digest })),
  ];
  const parameters: JsonObject = {
    targets: a.outcomes.map((o) => ({
      target: o.target,
      status: o.status,
      key: o.key,
      previous_version_id: o.previous_version_id,
      current_version_id: o.current_version_id,
      checked: o.checked,
    })),
  };
  const reports = a.outcomes.flatMap((o) => [
    ...(o.feature_count !== null ? [{ name: `${o.target}_feature_count`, status: 'pass' as const, value: o.feature_count }] : []),
    { name: `${o.target}_drifts`, status: 'pass' as const, value: 0 },
  ]);
  return {
    kfm_run_receipt_version: 'v1',
    run_id: runId(a.now, slug, canonicalDigest(['rebuild', a.seed, dvid, a.outcomes.map((o) => o.key)])),
    operation: 'rebuild',
    mode: 'rebuild',
    mode_reason: a.reason,
    actor: { principal: a.actor.principal, role: a.actor.role },
    dataset_slug: slug,
    dataset_version_id: dvid,
    spec_hash: facts.spec_hash,
    inputs,
    outputs: [],
    environment: receiptEnvironmentBlock(a.environment, parameters),
    validation: { status: 'pass', reports },
    policy: { policy_label: facts.policy_label, decision_id: `kfm://policy_decision/projection/${slug}@${dvid}/${facts.policy_label}`, obligations: [] },
    timestamps: { started_at: a.startedAt.toISOString(), ended_at: a.now.toISOString() },
    created_at: a.now.toISOString(),
  };
}
