import { mkdirSync } from 'node:fs';
import { systemClock, type Clock } from '../../core/clock.js';
import { KfmError } from '../../core/error.js';
import type { ProjectionOptions } from '../../core/kfmConfig.js';
import { openLedger, openProjectLock, openProjectStore } from '../../engine/load/openSeams.js';
import type { ProjectPaths } from '../../engine/load/projectPaths.js';
import { crashPoint } from '../../engine/run/crashPoint.js';
import { actorOf } from '../../engine/receipts/actor.js';
import { pinSigningKey } from '../../engine/receipts/pinSigningKey.js';
import { receiptEnvironment } from '../../engine/receipts/receiptEnvironment.js';
import { ReceiptWriter } from '../../engine/receipts/receiptWriter.js';
import { readRegistry, registryFile, writeRegistry, type DatasetRegistry } from '../../store/registry/datasetRegistry.js';
import { rolledBackRegistry } from '../../store/registry/rolledBackRegistry.js';
import { readProjectionRecord } from '../projections/projectionRecord.js';
import { checkReachable, projectionSettings, TARGET_KINDS, targetKinds, type TargetKind } from '../projections/projectionTargets.js';
import { swapVersion, syncVersion } from '../projections/syncVersion.js';
import { rollbackDecisionId, rollbackReceipt } from './rollbackReceipt.js';

/** The format of `kfm rollback --json` (schemas/rollback-report.schema.json). */
export const ROLLBACK_REPORT_VERSION = 'v1';

export interface RollbackReport {
  kfm_rollback_report_version: typeof ROLLBACK_REPORT_VERSION;
  dataset_slug: string;
  /** The bad version, now `superseded`. */
  from: string;
  /** The known-good version, latest again. */
  to: string;
  reason: string;
  decision_id: string;
  registry: string;
  /** Each projection target: the version it showed before the swap, and after. */
  targets: { target: TargetKind; loaded: 'cached' | 'unchanged' | 'loaded'; from: string | null; to: string }[];
  receipt: { run_id: string; seq: number; path: string };
}

export interface RollbackOptions {
  to: string;
  reason: string;
  projections?: ProjectionOptions | undefined;
  actor?: { principal?: string; role?: string };
  onLockWait?: (holder: string) => void;
  onNotice?: (message: string) => void;
  clock?: Clock;
  env?: NodeJS.ProcessEnv;
}

/**
 * `kfm rollback <slug> --to <dvid> --reason "…"` (runbook procedure E), a governed change
 * that deletes nothing. Under the project lock: (1) the known-good version is loaded into
 * every projection target that shows the dataset (and every one the kfmfile declares)
 * without being made current, so readers still see one version; (2) the signed rollback
 * decision and receipt (who, why, when) is appended to the ledger; (3) the registry marks
 * the bad version `superseded` and moves latest_version_id back; (4) each target swaps to
 * the known-good version in one step (a transaction, or archives renamed into place).
 * Refused with the reason: a version never promoted, quarantined or superseded, the version
 * already latest, a dataset with nothing published.
 */
export async function rollbackVersion(paths: ProjectPaths, slug: string, options: RollbackOptions): Promise<RollbackReport> {
  if (options.reason.trim() === '') throw new KfmError('usage', 'kfm rollback needs --reason "<why the version is withdrawn>": the decision records it');
  mkdirSync(paths.kfmDir, { recursive: true });
  const lock = openProjectLock(paths.kfmDir);
  try {
    await lock.acquire(`kfm rollback ${slug} --to ${options.to}`, options.onLockWait ?? (() => undefined));
    return await rollbackLocked(paths, slug, options);
  } finally {
    await lock.close();
  }
}

async function rollbackLocked(paths: ProjectPaths, slug: string, options: RollbackOptions): Promise<RollbackReport> {
  const registry = readRegistry(paths.root, slug);
  const { from, to } = refuseUnless(registry, slug, options.to);
  const target = registry!.versions.find((v) => v.dataset_version_id === to)!;
  const settings = projectionSettings(paths, options.projections, options.env ?? process.env);
  const kinds = TARGET_KINDS.filter((k) => targetKinds(settings.declared).includes(k) || readProjectionRecord(paths.kfmDir, k).datasets[slug] !== undefined);
  checkReachable(kinds, settings);
  const store = openProjectStore(paths);
  // (1) Load the known-good version beside the bad one: nothing a reader sees changes yet.
  const loaded = new Map<TargetKind, 'cached' | 'unchanged' | 'loaded'>();
  for (const kind of kinds) {
    const { outcomes } = await syncVersion({ settings, store, slug, dvid: to, kinds: [kind], activate: false });
    loaded.set(kind, outcomes[0]!.status);
  }
  // (2) The decision, signed into the ledger.
  const now = (options.clock ?? systemClock).now();
  const actor = actorOf(options.actor);
  const facts = { slug, from, to, actor, now };
  const writer = new ReceiptWriter({ projectRoot: paths.root, kfmDir: paths.kfmDir, openLedger: () => openLedger(paths.kfmDir), ...(options.env ? { env: options.env } : {}) });
  let receipt: RollbackReport['receipt'];
  try {
    pinSigningKey(paths.root, writer.key, (e) => (e.type === 'audit-notice' ? options.onNotice?.(e.message) : undefined));
    const r = rollbackReceipt({ ...facts, toSpecHash: target.spec_hash, label: registry!.policy_label, reason: options.reason, targets: [...kinds], environment: receiptEnvironment(paths.root) });
    const recorded = await writer.record({ receipts: [r], inputFiles: [], store, dataDir: paths.dataDir });
    receipt = { run_id: recorded.runIds[0]!, seq: recorded.seqs[0]!, path: `data/${recorded.paths[0]!}` };
  } finally {
    await writer.close();
  }
  // (3) The registry, then (4) one swap per target. Killed here: the next build completes the registry (completePromotions) and its kfm:project stage, or kfm rebuild, the swaps.
  crashPoint('rollback-recorded');
  writeRegistry(paths.root, rolledBackRegistry(registry!, from, to));
  const targets: RollbackReport['targets'] = [];
  for (const kind of kinds) {
    const swapped = await swapVersion(settings, store, kind, slug, to);
    targets.push({ target: kind, loaded: loaded.get(kind)!, from: swapped.from, to });
  }
  return {
    kfm_rollback_report_version: ROLLBACK_REPORT_VERSION,
    dataset_slug: slug,
    from,
    to,
    reason: options.reason,
    decision_id: rollbackDecisionId(facts),
    registry: registryFile(slug),
    targets,
    receipt,
  };
}

/** The versions a rollback moves between, or the reason it is refused. */
function refuseUnless(registry: DatasetRegistry | undefined, slug: string, to: string): { from: string; to: string } {
  if (!registry) throw new KfmError('usage', `dataset "${slug}" is not registered (no ${registryFile(slug)})`);
  const from = registry.latest_version_id;
  if (from === null) throw new KfmError('check', `${slug} has no published version: there is nothing to roll back`);
  const version = registry.versions.find((v) => v.dataset_version_id === to);
  if (!version) throw new KfmError('usage', `${registryFile(slug)} lists no version ${to} of ${slug}`);
  if (to === from) throw new KfmError('usage', `${slug}@${to} is already the latest version: roll back to an earlier published one`);
  const why: Record<string, string | undefined> = {
    candidate: 'it was never promoted (a candidate): roll back only to a version that was published',
    quarantined: 'it is quarantined (its QA failed): roll back only to a version that was published',
    superseded: 'it was withdrawn by an earlier rollback (superseded)',
  };
  const reason = why[version.status];
  if (reason !== undefined) throw new KfmError('check', `cannot roll ${slug} back to ${to}: ${reason}`);
  return { from, to };
}
