import { availableParallelism } from 'node:os';
import { rmSync } from 'node:fs';
import { build } from './build.js';
import type { BuildSummary } from './buildSummary.js';
import { systemClock, type Clock } from '../../core/clock.js';
import type { EventSink } from './event.js';
import { paramsValidator } from '../plan/paramsValidator.js';
import { PoolRunner } from '../schedule/poolRunner.js';
import type { Project } from '../load/project.js';
import type { TaskRunner } from '../schedule/runner.js';
import { kfmVersion } from '../../core/kfmVersion.js';
import { recordSnapshot } from '../snapshot/recordSnapshot.js';
import { recordConeIndex } from '../snapshot/coneIndex.js';
import { coneScope } from '../snapshot/coneScope.js';
import { snapshotPath } from '../snapshot/snapshot.js';
import type { ConePlan } from '../snapshot/planCone.js';
import { updateConeSnapshot } from '../snapshot/updateConeSnapshot.js';
import { newRunId } from '../../core/runId.js';
import { parseTarget } from '../graph/target.js';
import type { BuildRerunMode } from '../../core/buildRerunMode.js';
import { openVersioning } from '../receipts/openVersioning.js';
import { openProjectLock } from '../load/openSeams.js';
import type { ProjectLock } from '../../store/projectLock.js';
import { jobsLimit } from './jobsLimit.js';
import { repairAtBuildStart } from '../receipts/repairReceipts.js';
import { dataTreeSettings } from '../versions/dataTreeSettings.js';
import { crashPoint } from './crashPoint.js';
import type { VersionStage } from '../versions/versionStage.js';
import { openSharedCache } from '../cache/openSharedCache.js';

export interface RunBuildOptions {
  targets: string[];
  jobs?: number;
  keepGoing?: boolean;
  signal?: AbortSignal;
  onEvent: EventSink;
  /** A runner to use instead of the worker pool (tests). */
  runner?: TaskRunner;
  /** How long to wait for another build's lock (default: forever). */
  lockTimeoutMs?: number;
  /** `--expect`: the rerun mode every versioned target must be in (engine/versions/rerunMode.ts). */
  expect?: BuildRerunMode;
  /** Who the receipts name: `--actor` (default: the OS user) and `--role` (default: operator). */
  actor?: { principal?: string; role?: string };
  /** What the run's times and durations are read from (default: the system's clocks). */
  clock?: Clock;
  /** `--verify-determinism` (`--sample N`): run the executed nodes again and compare (engine/schedule/determinismCheck.ts). */
  verifyDeterminism?: { sample?: number | undefined } | undefined;
  /** Stages run on each version after its receipts are recorded (the CLI passes the catalog stage, stages/catalog/catalogStage.ts). */
  stages?: readonly VersionStage[];
  /** `--force` (`-B`): the nodes the targets name (every node when none is named) run even when cached (engine/run/build.ts). */
  force?: boolean;
  /** A cone build's plan (engine/snapshot/planCone.ts, `graph` is the project's): only its cone is scheduled when the rest stands. */
  cone?: ConePlan;
}

/**
 * `kfm build` as a library call: takes the project lock (waiting, with an event, while
 * another build holds it), sweeps temp files a killed build left, builds, and saves caches.
 */
export async function runBuild(project: Project, options: RunBuildOptions): Promise<BuildSummary> {
  const targets = options.targets.map((t) => parseTarget(t, project.graph));
  const all = targets.length === 0 ? [...project.graph.datasets.keys()].map((dataset) => ({ dataset, slice: undefined })) : targets;
  const limit = jobsLimit(Math.max(1, options.jobs ?? availableParallelism()), project.graph, all, availableParallelism());
  const jobs = limit.jobs;
  const lock = await acquireBuildLock(project, options);
  // Said only when asked for more than the default (the cores) would run: -j 2 on a one-node build is no news.
  if (limit.clamped && options.jobs !== undefined && options.jobs > availableParallelism()) options.onEvent({ type: 'jobs-clamped', jobs, ...limit.clamped });
  const clock = options.clock ?? systemClock;
  const runId = newRunId(clock.now());
  let versioning: ReturnType<typeof openVersioning>;
  try {
    versioning = openVersioning(project, all, options);
  } catch (e) {
    await lock.close();
    throw e;
  }
  let planned: Awaited<ReturnType<Project['planner']>>;
  let shared: ReturnType<typeof openSharedCache>;
  try {
    planned = await project.planner();
    shared = openSharedCache(project.paths.root);
  } catch (e) {
    await versioning?.close();
    await lock.close();
    throw e;
  }
  const { planner, hasher, code } = planned;
  for (const message of shared?.notices ?? []) options.onEvent({ type: 'shared-cache-notice', message });
  const plan = options.cone;
  const cone = plan && !options.force ? coneScope({ nodes: plan.cone, keys: plan.keys }, planner.scope(all), planner.latest, (id) => project.graph.nodes.get(id)!.deps) : undefined;
  // A cone build starts no more worker threads than its cone has nodes (the pool starts on the first job).
  const runner = options.runner ?? new PoolRunner(cone ? Math.max(1, Math.min(jobs, cone.scope.length)) : jobs);
  try {
    await housekeeping(project, clock, options.onEvent);
    const summary = await build({
      graph: project.graph,
      planner,
      targets: all,
      state: project.state,
      store: project.store,
      runner,
      jobs,
      keepGoing: options.keepGoing ?? false,
      signal: options.signal ?? new AbortController().signal,
      onEvent: options.onEvent,
      scratchDir: project.paths.scratchDir,
      dataDir: project.paths.dataDir,
      dataTree: dataTreeSettings(project.paths.kfmDir, project.graph.dataTreeLink),
      validateParams: paramsValidator(project.graph, planner),
      runId,
      clock,
      versioning: versioning?.context, verifyDeterminism: options.verifyDeterminism,
      force: options.force ?? false,
      sharedCache: shared?.cache,
      cone,
    });
    try {
      await saveSnapshot(project, options.targets, summary, planned, cone ? plan : undefined);
    } catch {
      // A snapshot only speeds up the next no-op build; failing to write one loses nothing.
    }
    return summary;
  } finally {
    shared?.cache.close();
    await versioning?.close();
    // Each step even when one before it throws (a full disk fails persistCaches): the temp
    // files a failed write left are swept and the lock let go, so the next build starts clean.
    try {
      project.persistCaches(hasher, code);
    } finally {
      if (!options.runner) await runner.close();
      project.sweepTemp();
      await lock.close();
    }
  }
}

/** The snapshot (and cone index) the next build starts from: updated after a cone build, else recorded whole. */
async function saveSnapshot(
  project: Project,
  targets: string[],
  summary: BuildSummary,
  { planner, hasher, code }: Awaited<ReturnType<Project['planner']>>,
  plan: ConePlan | undefined,
): Promise<void> {
  if (plan) {
    updateConeSnapshot({ plan, summary, hasher, storeDir: project.paths.storeDir });
    return;
  }
  if (!(await recordSnapshot({ graph: project.graph, paths: project.paths, targets, summary, planner, hasher, code, kfmVersion: kfmVersion() }))) return;
  const nodes = summary.nodes.map((n) => n.id);
  await recordConeIndex({ snapshotPath: snapshotPath(project.paths.kfmDir, targets), graph: project.graph, planner, code, nodes, kfmVersion: kfmVersion() });
}

/** The project lock for a build, waiting (with a `lock-waiting` event) while another build holds it. */
async function acquireBuildLock(project: Project, options: RunBuildOptions): Promise<ProjectLock> {
  const lock = openProjectLock(project.paths.kfmDir);
  try {
    await lock.acquire(`kfm build ${options.targets.join(' ')}`.trim(), (holder) => options.onEvent({ type: 'lock-waiting', holder }), {
      ...(options.lockTimeoutMs !== undefined ? { timeoutMs: options.lockTimeoutMs } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (e) {
    await lock.close();
    throw e;
  }
  crashPoint('lock-taken');
  return lock;
}

/** Local housekeeping, the project's own: temp files a killed build left in the file store, repairs, abandoned runs, scratch. */
async function housekeeping(project: Project, clock: Clock, onEvent: RunBuildOptions['onEvent']): Promise<void> {
  project.sweepTemp();
  await repairAtBuildStart(project.paths, project.store, onEvent);
  await project.state.closeAbandonedRuns(clock.now().toISOString());
  rmSync(project.paths.scratchDir, { recursive: true, force: true });
}
