import { mkdirSync } from 'node:fs';
import { readRegistry, registryFile, writeRegistry, type DatasetRegistry, type RegistryVersion } from '../../store/registry/datasetRegistry.js';
import { isPromotable, type DatasetVersionStatus } from '../../core/datasetVersionStatus.js';
import { systemClock, type Clock } from '../../core/clock.js';
import { KfmError } from '../../core/error.js';
import { actorOf } from '../../engine/receipts/actor.js';
import { receiptEnvironment } from '../../engine/receipts/receiptEnvironment.js';
import { ReceiptWriter } from '../../engine/receipts/receiptWriter.js';
import { parseVersionTarget } from '../../engine/graph/versionTarget.js';
import type { ProjectPaths } from '../../engine/load/projectPaths.js';
import { openLedger, openProjectLock, openProjectStore, openVersionStore } from '../../engine/load/openSeams.js';
import { promoteReceipt } from './promoteReceipt.js';
import { promotedRegistry } from '../../store/registry/promotedRegistry.js';
import { crashPoint } from '../../engine/run/crashPoint.js';
import { publishedArtifacts, versionPolicy } from './versionArtifacts.js';

/** The format of `kfm promote --json` (schemas/promote-report.schema.json). */
export const PROMOTE_REPORT_VERSION = 'v1';

export interface PromoteReport {
  kfm_promote_report_version: typeof PROMOTE_REPORT_VERSION;
  /** `promoted`: latest_version_id moved; `unchanged`: the version already was the latest (nothing written). */
  status: 'promoted' | 'unchanged';
  dataset_slug: string;
  dataset_version_id: string;
  registry: string;
  /** The version's status before: a candidate, or an already published version pointed back at. */
  previous_status: DatasetVersionStatus;
  previous_latest_version_id: string | null;
  latest_version_id: string;
  /** The promotion gates that ran: none, until fail-closed promotion lands. */
  gates: { run: string[]; notice: string };
  /** The signed `promote` receipt (null when unchanged). */
  receipt: { run_id: string; seq: number; path: string } | null;
}

export interface PromoteOptions {
  /** `--actor` (default: the OS user) and `--role` (default: operator). */
  actor?: { principal?: string; role?: string };
  /** Told once who holds the project lock while waiting for it. */
  onLockWait?: (holder: string) => void;
  lockTimeoutMs?: number;
  clock?: Clock;
  /** Where the signing key is looked up (KFM_SIGNING_KEY; default process.env). */
  env?: NodeJS.ProcessEnv;
}

/**
 * `kfm promote <slug>@<dvid>`, a placeholder that runs no gates: under the project lock,
 * makes a candidate (or an earlier published) version the registry's latest_version_id and
 * marks it `published`, after signing a `promote` receipt into the audit ledger and
 * `data/catalog/<slug>/<dvid>/receipts/`. Promoting the latest version changes nothing.
 * An unknown dataset or version, a version that cannot be promoted, or one that is not
 * built in this checkout (no checksums.json under data/) is a usage error (exit 2).
 */
export async function promoteVersion(paths: ProjectPaths, targetText: string, options: PromoteOptions = {}): Promise<PromoteReport> {
  const target = parseVersionTarget(targetText);
  if (target.datasetVersionId === undefined) {
    throw new KfmError('usage', `kfm promote needs <dataset>@<dataset_version_id> (e.g. ks_counties@2017.a50d8993), not "${targetText}"`);
  }
  mkdirSync(paths.kfmDir, { recursive: true });
  const lock = openProjectLock(paths.kfmDir);
  try {
    await lock.acquire(`kfm promote ${targetText}`, options.onLockWait ?? (() => undefined), {
      ...(options.lockTimeoutMs !== undefined ? { timeoutMs: options.lockTimeoutMs } : {}),
    });
    return await promoteLocked(paths, target.slug, target.datasetVersionId, options);
  } finally {
    await lock.close();
  }
}

async function promoteLocked(paths: ProjectPaths, slug: string, dvid: string, options: PromoteOptions): Promise<PromoteReport> {
  const registry = readRegistry(paths.root, slug);
  if (!registry) throw new KfmError('usage', `dataset "${slug}" is not registered (no ${registryFile(slug)}): build a version of it first`);
  const version = promotable(registry, dvid);
  const previous = registry.latest_version_id;
  const report = (status: PromoteReport['status'], receipt: PromoteReport['receipt']): PromoteReport => ({
    kfm_promote_report_version: PROMOTE_REPORT_VERSION,
    status,
    dataset_slug: slug,
    dataset_version_id: dvid,
    registry: registryFile(slug),
    previous_status: version.status,
    previous_latest_version_id: previous,
    latest_version_id: dvid,
    gates: { run: [], notice: 'no gates run (placeholder until fail-closed promotion lands)' },
    receipt,
  });
  if (previous === dvid) return report('unchanged', null);

  const store = openProjectStore(paths);
  const outputs = await publishedArtifacts(paths.dataDir, store, slug, version);
  const next = promotedRegistry(registry, dvid);
  const versions = openVersionStore(paths);
  let policy: ReturnType<typeof versionPolicy>;
  try {
    policy = versionPolicy(registry, version, (await versions.version(slug, dvid))?.specDocument ?? null);
  } finally {
    await versions.close();
  }
  const { kfmDir } = paths;
  const writer = new ReceiptWriter({ projectRoot: paths.root, kfmDir, openLedger: () => openLedger(kfmDir), ...(options.env ? { env: options.env } : {}) });
  try {
    const receipt = promoteReceipt({
      slug,
      version,
      previous,
      outputs,
      policy,
      actor: actorOf(options.actor),
      environment: receiptEnvironment(paths.root),
      now: (options.clock ?? systemClock).now(),
    });
    // The receipt first: a promotion that took effect is always in the ledger. A kill
    // between the two leaves the registry behind the ledger: the next build completes it
    // (engine/receipts/completePromotions.ts).
    const recorded = await writer.record({ receipts: [receipt], inputFiles: [], store, dataDir: paths.dataDir });
    crashPoint('promote-recorded');
    writeRegistry(paths.root, next);
    return report('promoted', { run_id: recorded.runIds[0]!, seq: recorded.seqs[0]!, path: `data/${recorded.paths[0]!}` });
  } finally {
    await writer.close();
  }
}

/** The registry's entry for the version, when it can be promoted; a usage error naming it otherwise. */
function promotable(registry: DatasetRegistry, dvid: string): RegistryVersion {
  const slug = registry.dataset_slug;
  const version = registry.versions.find((v) => v.dataset_version_id === dvid);
  if (!version) {
    const known = registry.versions.map((v) => v.dataset_version_id);
    const listed = known.length === 0 ? 'none yet' : known.join(', ');
    throw new KfmError('usage', `${registryFile(slug)} lists no version ${dvid} of ${slug} (its versions: ${listed})`);
  }
  if (!isPromotable(version.status)) {
    throw new KfmError('usage', `${slug}@${dvid} is ${version.status}: only a candidate or a published version can be promoted`);
  }
  return version;
}
