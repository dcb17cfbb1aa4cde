import { receiptEnvironmentBlock } from '../../engine/receipts/receiptEnvironment.js';
import { canonicalDigest } from '../../core/canonicalJson.js';
import type { Digest } from '../../core/digest.js';
import { policyLabelOf } from '../../core/policyLabel.js';
import type { BuildRerunMode } from '../../core/buildRerunMode.js';
import type { Actor } from '../../engine/receipts/actor.js';
import type { ReceiptEnvironment } from '../../engine/receipts/datasetReceipts.js';
import { artifactIdOf, runId, type ReceiptInput, type RunReceipt } from '../../store/receipts/runReceipt.js';
import type { CatalogCheck, CatalogCheckKind } from './catalogCheck.js';
import { CATGEN_VERSION } from './catalogKey.js';
import type { CatalogFile, CatalogSources } from './catalogSources.js';

/** Every check, in report order. */
export const CATALOG_CHECKS: readonly CatalogCheckKind[] = ['missing', 'schema', 'shacl', 'link', 'digest'];
const CHECKS = CATALOG_CHECKS;

export interface CatalogReceiptArgs {
  sources: CatalogSources;
  files: readonly CatalogFile[];
  key: Digest;
  check: CatalogCheck;
  /** The checks that ran (the build leaves out `shacl`). */
  checks: readonly CatalogCheckKind[];
  mode: BuildRerunMode;
  modeReason: string;
  actor: Actor;
  environment: ReceiptEnvironment;
  /** Seeds the run id: the build's run id, or `kfm catalog`'s. */
  seed: string;
  startedAt: Date;
  endedAt: Date;
  now: Date;
}

/**
 * The `catalog` run receipt of a catalog generation: what it read (the version's processed
 * artifacts, its checksums.json and the receipt files it cites, each with its digest), what
 * it wrote (the catalog files), the generator and key as its parameters, and the validation
 * it ran (one report per check: its problem count).
 */
export function catalogReceipt(a: CatalogReceiptArgs): RunReceipt {
  const s = a.sources;
  const zone = s.zone ?? 'processed';
  const processed = (path: string) => `data/${zone}/${s.slug}/${s.dvid}/${path}`;
  const inputs: ReceiptInput[] = [
    ...s.checksums.files.map((f) => ({ artifact_id: artifactIdOf(f.digest), zone, uri: processed(f.path), digest: f.digest })),
    { artifact_id: artifactIdOf(s.checksums.digest), zone, uri: processed('checksums.json'), digest: s.checksums.digest },
    ...s.receipts.map((r) => ({ artifact_id: artifactIdOf(r.digest), zone: 'catalog' as const, uri: `data/${r.path}`, digest: r.digest })),
  ];
  const parameters = { generator: CATGEN_VERSION, base_url: s.baseUrl, catalog_key: a.key, cites: s.receipts.map((r) => r.receipt.run_id) };
  const label = policyLabelOf(s.spec);
  const count = (c: CatalogCheckKind) => a.check.problems.filter((p) => p.check === c).length;
  return {
    kfm_run_receipt_version: 'v1',
    run_id: runId(a.now, s.slug, canonicalDigest(['catalog', a.seed, a.key])),
    operation: 'catalog',
    mode: a.mode,
    mode_reason: a.modeReason,
    actor: { principal: a.actor.principal, role: a.actor.role },
    dataset_slug: s.slug,
    dataset_version_id: s.dvid,
    spec_hash: s.specHash,
    inputs,
    outputs: a.files.map((f) => ({ artifact_id: artifactIdOf(f.digest), zone: 'catalog', path: f.path, digest: f.digest, media_type: f.media_type })),
    environment: receiptEnvironmentBlock(a.environment, parameters),
    validation: {
      status: a.check.problems.length === 0 ? 'pass' : 'fail',
      reports: CHECKS.filter((c) => a.checks.includes(c)).map((c) => ({ name: `catalog_${c}_problems`, status: count(c) === 0 ? 'pass' : 'fail', value: count(c) })),
    },
    policy: {
      policy_label: label,
      decision_id: `kfm://policy_decision/spec-intent/${s.slug}@${s.dvid}/${label}`,
      obligations: (s.spec.sensitivity?.obligations ?? []).filter((o): o is string => typeof o === 'string' && o !== ''),
    },
    timestamps: { started_at: a.startedAt.toISOString(), ended_at: a.endedAt.toISOString() },
    created_at: a.now.toISOString(),
  };
}
