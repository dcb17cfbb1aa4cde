import { mkdirSync } from 'node:fs';
import { readRegistry, registryFile, type DatasetRegistry, type RegistryVersion } from '../../store/registry/datasetRegistry.js';
import type { DatasetVersionStatus } from '../../core/datasetVersionStatus.js';
import { systemClock, type Clock } from '../../core/clock.js';
import { KfmError } from '../../core/error.js';
import { actorOf, type Actor } from '../../engine/receipts/actor.js';
import { parseVersionTarget } from '../../engine/graph/versionTarget.js';
import type { ProjectPaths } from '../../engine/load/projectPaths.js';
import { openProjectLock, openProjectStore, openVersionStore } from '../../engine/load/openSeams.js';
import { publishedArtifacts, versionPolicy } from './versionArtifacts.js';
import { gatherEvidence } from './gatherEvidence.js';
import { runGates } from './runGates.js';
import type { GateAnswer, GateResult } from './gate.js';
import { POLICY_FILE, readPolicy } from './promotionPolicy.js';
import type { QaOverride } from './promotionEvidence.js';
import type { Json } from '../../core/json.js';
import { recordPromotion } from './recordPromotion.js';
import { catalogForOverride } from '../catalog/runCatalog.js';
import { DEFAULT_CATALOG_BASE_URL } from '../catalog/catalogLayout.js';
import type { DataTreeLink } from '../../core/kfmConfig.js';

/** The format of `kfm promote --json` (schemas/promote-report.schema.json). */
export const PROMOTE_REPORT_VERSION = 'v2';

export interface PromoteReport {
  kfm_promote_report_version: typeof PROMOTE_REPORT_VERSION;
  /**
   * `promoted`: every gate passed; latest_version_id moved. `denied`: a gate did not pass;
   * nothing moved, a denied-promotion receipt was signed. `checked`: --dry-run, gates only,
   * nothing written. `unchanged`: the version already was the latest (no gate run).
   */
  status: 'promoted' | 'denied' | 'checked' | 'unchanged';
  dataset_slug: string;
  dataset_version_id: string;
  registry: string;
  previous_status: DatasetVersionStatus;
  previous_latest_version_id: string | null;
  /** After the command. */
  latest_version_id: string | null;
  /** The worst gate answer; null when no gate ran. */
  overall: GateAnswer | null;
  gates: GateResult[];
  decision_id: string | null;
  /** The promotion manifest written (granted only), relative to the project root. */
  manifest: { path: string; digest: string } | null;
  /** The signed promote receipt (granted or denied). */
  receipt: { run_id: string; seq: number; path: string } | null;
}

export interface PromoteOptions {
  /** `--actor` (default: the OS user) and `--role` (default: operator). */
  actor?: { principal?: string; role?: string };
  /** `--dry-run`: run the gates, write nothing. */
  dryRun?: boolean;
  /** `--override --rationale "…"`: override a QA failure (gate F); the actor's role must be the policy's override role. */
  override?: { rationale: string };
  /**
   * The kfmfile's `catalog.baseUrl` and `dataTree.link`: used only when an override promotes
   * a quarantined version, whose catalog is generated first (default `kfm://data/`).
   */
  catalog?: { baseUrl?: string | undefined; dataTreeLink?: DataTreeLink | undefined };
  /** Told once who holds the project lock while waiting for it. */
  onLockWait?: (holder: string) => void;
  lockTimeoutMs?: number;
  clock?: Clock;
  /** Where the signing key is looked up (KFM_SIGNING_KEY; default process.env). */
  env?: NodeJS.ProcessEnv;
}

/**
 * `kfm promote <slug>@<dvid>` (fail closed): under the project lock, gathers the version's
 * evidence, runs gates A–G, and only when every gate answers PASS writes the promotion
 * manifest, signs a `promote` receipt and makes the version the registry's
 * latest_version_id (recordPromotion.ts). Any other answer signs a denied-promotion receipt
 * and moves nothing (status `denied`: the CLI exits 1). `dryRun` runs the gates only.
 * Promoting the latest version does nothing. A valid override of a quarantined version
 * first catalogues it from its quarantine/ files (catalogForOverride; not on a dry run,
 * which writes nothing, so D reports the catalog on disk). An unknown dataset or version, a superseded
 * version, one not built in this checkout, or an override without the policy's override
 * role or a rationale is a usage error (exit 2).
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
  const base = reportBase(registry, version);
  if (previous === dvid) return { ...base, status: 'unchanged', latest_version_id: dvid, overall: null, gates: [], decision_id: null, manifest: null, receipt: null };

  const actor = actorOf(options.actor);
  const override = overrideOf(paths.root, actor, options.override);
  const store = openProjectStore(paths);
  const artifacts = await publishedArtifacts(paths.dataDir, store, slug, version);
  // A steward's override of a quarantined version: its catalog (of its quarantine/ files) first, so gate D judges it.
  // A dry run writes nothing, so it judges the catalog on disk as it is (none yet: D abstains).
  if (override && version.status === 'quarantined' && !options.dryRun) await catalogOverridden(paths, slug, dvid, actor, options);
  const specDocument = await specDocumentOf(paths, slug, dvid);
  const evidence = await gatherEvidence({ paths, registry, version, specDocument, artifacts, store, override });
  const decision = runGates(evidence);
  if (options.dryRun) return { ...base, status: 'checked', latest_version_id: previous, overall: decision.overall, gates: decision.gates, decision_id: null, manifest: null, receipt: null };

  const recorded = await recordPromotion({
    paths,
    registry,
    version,
    store,
    artifacts,
    evidence,
    decision,
    policy: versionPolicy(registry, version, specDocument),
    actor,
    now: (options.clock ?? systemClock).now(),
    ...(options.env ? { env: options.env } : {}),
  });
  const granted = decision.overall === 'PASS';
  return {
    ...base,
    status: granted ? 'promoted' : 'denied',
    latest_version_id: granted ? dvid : previous,
    overall: decision.overall,
    gates: decision.gates,
    decision_id: recorded.decisionId,
    manifest: recorded.manifest,
    receipt: recorded.receipt,
  };
}

function reportBase(registry: DatasetRegistry, version: RegistryVersion): Omit<PromoteReport, 'status' | 'latest_version_id' | 'overall' | 'gates' | 'decision_id' | 'manifest' | 'receipt'> {
  return {
    kfm_promote_report_version: PROMOTE_REPORT_VERSION,
    dataset_slug: registry.dataset_slug,
    dataset_version_id: version.dataset_version_id,
    registry: registryFile(registry.dataset_slug),
    previous_status: version.status,
    previous_latest_version_id: registry.latest_version_id,
  };
}

async function catalogOverridden(paths: ProjectPaths, slug: string, dvid: string, actor: Actor, options: PromoteOptions): Promise<void> {
  await catalogForOverride(paths, slug, dvid, {
    baseUrl: options.catalog?.baseUrl ?? DEFAULT_CATALOG_BASE_URL,
    dataTreeLink: options.catalog?.dataTreeLink,
    actor: { principal: actor.principal, role: actor.role },
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.env ? { env: options.env } : {}),
  });
}

/** The spec document the version's state record holds (null when the state has none). */
async function specDocumentOf(paths: ProjectPaths, slug: string, dvid: string): Promise<Json | null> {
  const versions = openVersionStore(paths);
  try {
    return (await versions.version(slug, dvid))?.specDocument ?? null;
  } finally {
    await versions.close();
  }
}

/**
 * A QA override as asked for: only with a written rationale and by the role kfm.policy.json
 * names for overrides (a usage error otherwise, before anything is read or written).
 */
function overrideOf(root: string, actor: Actor, asked: { rationale: string } | undefined): QaOverride | null {
  if (!asked) return null;
  if (asked.rationale.trim() === '') throw new KfmError('usage', 'kfm promote --override needs --rationale "<why the QA failure is acceptable>"');
  const policy = readPolicy(root);
  if (policy.status !== 'ok') {
    throw new KfmError('usage', `kfm promote --override needs ${POLICY_FILE} to name the role that may override (qa.override_role)${policy.status === 'error' ? `: ${policy.message}` : ''}`);
  }
  const role = policy.policy.qa.override_role;
  if (actor.role !== role) throw new KfmError('usage', `kfm promote --override needs --role ${role} (${POLICY_FILE} qa.override_role); got --role ${actor.role}`);
  return { principal: actor.principal, role: actor.role, rationale: asked.rationale.trim() };
}

/** The registry's entry for the version, when promotion may judge it; a usage error naming it otherwise. */
function promotable(registry: DatasetRegistry, dvid: string): RegistryVersion {
  const slug = registry.dataset_slug;
  const version = registry.versions.find((v) => v.dataset_version_id === dvid);
  if (!version) {
    const known = registry.versions.map((v) => v.dataset_version_id);
    const listed = known.length === 0 ? 'none yet' : known.join(', ');
    throw new KfmError('usage', `${registryFile(slug)} lists no version ${dvid} of ${slug} (its versions: ${listed})`);
  }
  if (version.status === 'superseded') {
    throw new KfmError('usage', `${slug}@${dvid} is superseded (a rollback withdrew it): it cannot be promoted again`);
  }
  return version;
}

