import { linkEntry } from '../../store/dataTree.js';
import type { ContentStore } from '../../store/contentStore.js';
import { writeRegistry, type DatasetRegistry, type RegistryVersion } from '../../store/registry/datasetRegistry.js';
import { promotedRegistry } from '../../store/registry/promotedRegistry.js';
import { artifactIdOf, type ReceiptOutput } from '../../store/receipts/runReceipt.js';
import { sortedJson } from '../../core/sortedJson.js';
import type { Json } from '../../core/json.js';
import type { PolicyLabel } from '../../core/policyLabel.js';
import { KfmError } from '../../core/error.js';
import type { Actor } from '../../engine/receipts/actor.js';
import { receiptEnvironment } from '../../engine/receipts/receiptEnvironment.js';
import { ReceiptWriter } from '../../engine/receipts/receiptWriter.js';
import { openLedger } from '../../engine/load/openSeams.js';
import type { ProjectPaths } from '../../engine/load/projectPaths.js';
import { dataTreeSettings } from '../../engine/versions/dataTreeSettings.js';
import { crashPoint } from '../../engine/run/crashPoint.js';
import type { GateDecision } from './runGates.js';
import type { PromotionEvidence } from './promotionEvidence.js';
import { policyDecisionId } from './policyDecisionId.js';
import { PROMOTION_MANIFEST, promotionManifest, validateManifest } from './promotionManifest.js';
import { promoteReceipt } from './promoteReceipt.js';
import { qaFailures } from './gateQa.js';

export interface RecordArgs {
  paths: ProjectPaths;
  registry: DatasetRegistry;
  version: RegistryVersion;
  store: ContentStore;
  artifacts: ReceiptOutput[];
  evidence: PromotionEvidence;
  decision: GateDecision;
  policy: { label: PolicyLabel; obligations: string[] };
  actor: Actor;
  now: Date;
  env?: NodeJS.ProcessEnv;
}

export interface RecordedPromotion {
  decisionId: string;
  manifest: { path: string; digest: string } | null;
  receipt: { run_id: string; seq: number; path: string };
}

/**
 * Writes a promotion decision. Denied: a `promote` receipt with `validation.status: fail`
 * and no outputs, signed into the ledger; nothing else. Granted, in a crash-safe order:
 * the manifest into the content store (flushed), the receipt (the manifest among its
 * outputs) into the ledger and its file under data/catalog/, the manifest's file beside
 * it, then the registry. A kill after the ledger append leaves the registry and perhaps
 * the manifest file behind the ledger: the next build completes both
 * (engine/receipts/completePromotions.ts, repairPromotionFiles.ts).
 */
export async function recordPromotion(a: RecordArgs): Promise<RecordedPromotion> {
  const { paths, evidence: e } = a;
  const slug = a.registry.dataset_slug;
  const dvid = a.version.dataset_version_id;
  const policyDigest = e.policy.status === 'ok' ? e.policy.digest : null;
  const decisionId = policyDecisionId({ slug, dvid, policyDigest, gates: a.decision.gates, now: a.now });
  const granted = a.decision.overall === 'PASS';
  const approvals = e.approvals.status === 'ok' ? e.approvals.value : [];
  // An override is recorded only when gate F needed it (QA failed and the steward passed it).
  const override = e.override && e.spec.status === 'ok' && qaFailures(e).length > 0 ? e.override : null;
  let manifest: { path: string; digest: string } | null = null;
  const outputs = [...a.artifacts];
  if (granted) {
    const doc = promotionManifest({
      slug,
      dvid,
      specHash: a.version.spec_hash,
      now: a.now,
      artifacts: a.artifacts,
      catalogs: e.catalog.status === 'ok' ? e.catalog.value.files : [],
      qa: e.qa.status === 'ok' ? { ...e.qa.value, status: override ? 'fail' : e.qa.value.status } : null,
      label: a.policy.label,
      decisionId,
      approvals,
      override,
    });
    const problems = validateManifest(doc);
    if (problems.length > 0) throw new KfmError('store', `internal: the promotion manifest of ${slug}@${dvid} does not match its schema: ${problems.join('; ')}`);
    const put = await a.store.put(Buffer.from(sortedJson(doc as unknown as Json), 'utf8'));
    await a.store.flush([put.digest]);
    const path = `catalog/${slug}/${dvid}/${PROMOTION_MANIFEST}`;
    outputs.push({ artifact_id: artifactIdOf(put.digest), zone: 'catalog', path, digest: put.digest, media_type: 'application/json' });
    manifest = { path: `data/${path}`, digest: put.digest };
  }
  const receipt = promoteReceipt({
    slug,
    version: a.version,
    previous: a.registry.latest_version_id,
    outputs,
    decision: a.decision,
    decisionId,
    policy: a.policy,
    policyDigest,
    approvals: approvals.map((x) => x.approval_id),
    override,
    actor: a.actor,
    environment: receiptEnvironment(paths.root),
    now: a.now,
  });
  const { kfmDir } = paths;
  const writer = new ReceiptWriter({ projectRoot: paths.root, kfmDir, openLedger: () => openLedger(kfmDir), ...(a.env ? { env: a.env } : {}) });
  try {
    const recorded = await writer.record({ receipts: [receipt], inputFiles: [], store: a.store, dataDir: paths.dataDir });
    if (granted) {
      await linkEntry(paths.dataDir, a.store, { path: manifest!.path.slice('data/'.length), digest: manifest!.digest as `sha256:${string}` }, dataTreeSettings(kfmDir, 'copy'));
      crashPoint('promote-recorded');
      writeRegistry(paths.root, promotedRegistry(a.registry, dvid));
    }
    return { decisionId, manifest, receipt: { run_id: recorded.runIds[0]!, seq: recorded.seqs[0]!, path: `data/${recorded.paths[0]!}` } };
  } finally {
    await writer.close();
  }
}
