import { existsSync, mkdirSync } from 'node:fs';
import { relative } from 'node:path';
import { systemClock, type Clock } from '../../core/clock.js';
import { KfmError } from '../../core/error.js';
import type { ProjectionOptions, ProjectionTargetName } from '../../core/kfmConfig.js';
import { parseVersionTarget } from '../../engine/graph/versionTarget.js';
import { openLedger, openProjectLock, openProjectStore } from '../../engine/load/openSeams.js';
import type { ProjectPaths } from '../../engine/load/projectPaths.js';
import { actorOf } from '../../engine/receipts/actor.js';
import { pinSigningKey } from '../../engine/receipts/pinSigningKey.js';
import { receiptEnvironment } from '../../engine/receipts/receiptEnvironment.js';
import { ReceiptWriter } from '../../engine/receipts/receiptWriter.js';
import { readRegistry, registryFile } from '../../store/registry/datasetRegistry.js';
import type { ContentStore } from '../../store/contentStore.js';
import { driftReport, type DriftReport } from './projectionTarget.js';
import { checkReachable, openTarget, projectionSettings, targetKinds, type ProjectionSettings, type TargetKind } from './projectionTargets.js';
import { readProjectedVersion } from './readProjectedVersion.js';
import { rebuildReceipt } from './rebuildReceipt.js';
import { syncVersion, versionZoom, type TargetOutcome } from './syncVersion.js';

/** The format of `kfm rebuild --json` (schemas/rebuild-report.schema.json). */
export const REBUILD_REPORT_VERSION = 'v1';

/** The embedded default when neither --targets nor the kfmfile names any: no server needed. */
export const DEFAULT_REBUILD_TARGETS: readonly ProjectionTargetName[] = ['sqlite', 'search', 'tiles'];

export interface RebuildReport {
  kfm_rebuild_report_version: typeof REBUILD_REPORT_VERSION;
  dataset_slug: string;
  dataset_version_id: string;
  /** The targets named (`search` included when asked for), and the ones opened. */
  targets: ProjectionTargetName[];
  /** Whether the version is the dataset's latest (it is then made current in every target). */
  latest: boolean;
  /** `rebuilt`: loaded or checked in full, receipt signed; `current`: every target already current (cached, nothing signed), or a --check that found no drift; `drifted`: a --check's finding. */
  status: 'rebuilt' | 'current' | 'drifted';
  outcomes: TargetOutcome[];
  drifts: DriftReport[];
  receipt: { run_id: string; seq: number; path: string } | null;
}

export interface RunRebuildOptions {
  /** --targets; default the kfmfile's `projections.targets`, else sqlite, search, tiles. */
  targets?: ProjectionTargetName[] | undefined;
  /** --check: compare, write nothing. */
  check?: boolean;
  /** --force: check every target in full (reloading what differs) even where kfm's record says it is current. */
  force?: boolean;
  projections?: ProjectionOptions | undefined;
  actor?: { principal?: string; role?: string };
  onLockWait?: (holder: string) => void;
  onNotice?: (message: string) => void;
  clock?: Clock;
  env?: NodeJS.ProcessEnv;
}

/**
 * `kfm rebuild <slug>[@<dvid>] [--targets …] [--check]` (runbook procedure D). Without a
 * dvid, the dataset's latest (published) version. Rebuild: under the project lock, loads the
 * version from its catalog into each target (made current there when it is the latest),
 * checks counts and extents against the catalog, and signs a `rebuild` receipt; when every
 * target is already current by kfm's record (`cached`), it is `current` and signs nothing
 * (--force checks and receipts in full regardless). --check:
 * compares each target with the catalog and writes nothing (status `drifted`: exit 1).
 */
export async function runRebuild(paths: ProjectPaths, targetText: string, options: RunRebuildOptions): Promise<RebuildReport> {
  const { slug, dvid, latest } = resolveVersion(paths, targetText);
  const settings = projectionSettings(paths, options.projections, options.env ?? process.env);
  const names = options.targets ?? (settings.declared.length > 0 ? settings.declared : [...DEFAULT_REBUILD_TARGETS]);
  const kinds = targetKinds(names);
  checkReachable(kinds, settings);
  const store = openProjectStore(paths);
  const base = { kfm_rebuild_report_version: REBUILD_REPORT_VERSION, dataset_slug: slug, dataset_version_id: dvid, targets: names, latest } as const;
  if (options.check) {
    const drifts = await checkTargets(settings, store, kinds, slug, dvid, latest);
    return { ...base, status: drifts.some((d) => d.status === 'drifted') ? 'drifted' : 'current', outcomes: [], drifts, receipt: null };
  }
  mkdirSync(paths.kfmDir, { recursive: true });
  const lock = openProjectLock(paths.kfmDir);
  try {
    await lock.acquire(`kfm rebuild ${targetText}`, options.onLockWait ?? (() => undefined));
    const clock = options.clock ?? systemClock;
    const startedAt = clock.now();
    const { outcomes, facts } = await syncVersion({ settings, store, slug, dvid, kinds, activate: latest, force: options.force ?? false });
    // Nothing read, nothing loaded, nothing checked: nothing to receipt (as make's "nothing to be done").
    if (outcomes.every((o) => o.status === 'cached')) return { ...base, status: 'current', outcomes, drifts: [], receipt: null };
    const writer = new ReceiptWriter({ projectRoot: paths.root, kfmDir: paths.kfmDir, openLedger: () => openLedger(paths.kfmDir), ...(options.env ? { env: options.env } : {}) });
    try {
      pinSigningKey(paths.root, writer.key, (e) => (e.type === 'audit-notice' ? options.onNotice?.(e.message) : undefined));
      const now = clock.now();
      const receipt = rebuildReceipt({
        slug,
        dvid,
        facts,
        outcomes,
        reason: `kfm rebuild: projections (${kinds.join(', ')}) reloaded from the catalog of ${slug}@${dvid} and checked against it (runbook procedure D)`,
        actor: actorOf(options.actor),
        environment: receiptEnvironment(paths.root),
        seed: now.toISOString(),
        startedAt,
        now,
      });
      const recorded = await writer.record({ receipts: [receipt], inputFiles: [], store, dataDir: paths.dataDir });
      return { ...base, status: 'rebuilt', outcomes, drifts: [], receipt: { run_id: recorded.runIds[0]!, seq: recorded.seqs[0]!, path: `data/${recorded.paths[0]!}` } };
    } finally {
      await writer.close();
    }
  } finally {
    await lock.close();
  }
}

/** `<slug>` (its latest) or `<slug>@<dvid>`, a published version of a registered dataset. */
function resolveVersion(paths: ProjectPaths, text: string): { slug: string; dvid: string; latest: boolean } {
  const target = parseVersionTarget(text);
  const registry = readRegistry(paths.root, target.slug);
  if (!registry) throw new KfmError('usage', `dataset "${target.slug}" is not registered (no ${registryFile(target.slug)})`);
  const dvid = target.datasetVersionId ?? registry.latest_version_id;
  if (dvid === null || dvid === undefined) throw new KfmError('usage', `${target.slug} has no published version (latest_version_id is null): promote one first (kfm promote ${target.slug}@<dvid>)`);
  return { slug: target.slug, dvid, latest: dvid === registry.latest_version_id };
}

/** Each target compared with the version's catalog; nothing written. */
async function checkTargets(settings: ProjectionSettings, store: ContentStore, kinds: readonly TargetKind[], slug: string, dvid: string, latest: boolean): Promise<DriftReport[]> {
  const version = await readProjectedVersion(settings.paths, store, slug, dvid);
  const zoom = await versionZoom(settings, slug, dvid);
  const reports: DriftReport[] = [];
  for (const kind of kinds) {
    // A projection file that does not exist is not created by a check.
    if (kind === 'sqlite' && !existsSync(settings.sqlitePath)) {
      const message = `${slug}@${dvid} is not loaded: ${relative(settings.paths.root, settings.sqlitePath)} does not exist`;
      reports.push(driftReport(kind, version, [{ what: 'missing_version', expected: dvid, actual: null, message }]));
      continue;
    }
    const target = openTarget(kind, settings, store, zoom);
    try {
      reports.push(await target.check(version, { expectCurrent: latest }));
    } finally {
      await target.close();
    }
  }
  return reports;
}
