import type { NodeRunStatus, ResultStore, RunLog, VersionStore } from '../../store/state.js';
import { datasetTargets, targetNodes, targetText, type Target } from '../graph/target.js';
import type { ScheduleOptions } from '../schedule/scheduleOptions.js';
import { scheduleNodes } from '../schedule/scheduleNodes.js';
import { checkDeterminism, type DeterminismReport } from '../schedule/determinismCheck.js';
import { versionDatasets } from '../versions/versionDatasets.js';
import type { VersioningContext } from '../versions/versioningContext.js';
import { summarizeNodes, type BuildSummary } from './buildSummary.js';
import { dirname } from 'node:path';
import type { DataTreeSettings } from '../../store/dataTree.js';
import { dataTreeSettings } from '../versions/dataTreeSettings.js';
import { verifyOutputs } from '../versions/verifyOutputs.js';
import { crashPoint } from './crashPoint.js';
import type { ConeScope } from '../snapshot/coneScope.js';
import type { Digest } from '../../core/digest.js';

/** What a build runs on: what scheduling takes (engine/schedule/scheduleOptions.ts), plus the targets, versions' state and data/. */
export interface BuildOptions extends Omit<ScheduleOptions, 'state' | 'scope' | 'assessment'> {
  targets: Target[];
  /** Results, the run log and versions: seams, every call awaited (store/state/*). */
  state: ResultStore & RunLog & VersionStore;
  /** The data/ tree to link versions into. */
  dataDir: string;
  /** Checks a node's params before it runs (the module's `paramsSchema`); throws a KfmError. */
  validateParams: (nodeId: string) => Promise<void>;
  /** How data/ is written (default: `copy`, edited files moved to `.kfm/data-edits` beside the scratch directory). */
  dataTree?: DataTreeSettings;
  /** `kfm build`'s registry, receipts and `--expect` for the versions (engine/receipts/openVersioning.ts); none: versions go to state and data/ only. */
  versioning?: VersioningContext | undefined;
  /** `--verify-determinism` (with `--sample N`): run the executed nodes again and compare their outputs (engine/schedule/determinismCheck.ts). */
  verifyDeterminism?: { sample?: number | undefined } | undefined;
  /** `--force` (`-B`): the nodes the targets name run whatever their stored results (engine/graph/target.ts targetNodes). */
  force?: boolean;
  /** A cone build (engine/snapshot/planCone.ts): only these nodes are scheduled when the rest stand as the snapshot recorded. */
  cone?: ConeScope | undefined;
}

/**
 * Builds the targets: checks the params of every node that may run, records the run,
 * schedules the nodes (engine/schedule/scheduleNodes.ts), then versions the targeted
 * datasets (engine/versions/versionDatasets.ts) unless interrupted, and ends the run. A task
 * target (`ks_counties/qa`) builds its node and what it needs, and versions nothing: a
 * version is the whole dataset's, so a partial build records none and leaves the registry,
 * data/ and the receipts as they were. With `force`, the named nodes run even when cached;
 * a dependent whose inputs come out the same stays cached (make's content semantics).
 */
export async function build(o: BuildOptions): Promise<BuildSummary> {
  const { graph, planner, state, clock } = o;
  const started = clock.monotonicMs();
  const cone = o.cone;
  const full = cone ? cone.full : planner.scope(o.targets);
  const scope = cone ? cone.scope : full;
  const versionTargets = datasetTargets(o.targets);
  const forced = new Set(o.force ? targetNodes(graph, o.targets) : []);
  await planner.prepare(scope);
  // A versioned build re-hashes the outputs its versions will name before anything runs: a
  // corrupt object is quarantined, so its node is found dirty (output-missing) and reruns now.
  const versionedNodes = versionTargets.flatMap((t) => {
    const ds = graph.datasets.get(t.dataset)!;
    return (t.slice ?? ds.defaultSlice) === undefined ? [] : ds.nodes;
  });
  const latest = [...new Set(versionedNodes)].flatMap((id) => planner.latest.get(id) ?? []);
  const { intact: verified } = await verifyOutputs(latest, o.store, o.onEvent);

  // Check the params of every node that may run before anything runs (exit 2, nothing written).
  const assessment = await planner.assess(scope, forced);
  for (const id of scope) if (assessment.get(id)!.dirty) await o.validateParams(id);
  crashPoint('planned');

  const targets = o.targets.map(targetText);
  await state.beginRun({ runId: o.runId, startedAt: clock.now().toISOString(), targets, jobs: o.jobs });
  o.onEvent({ type: 'build-start', runId: o.runId, targets, nodes: full, jobs: o.jobs });
  for (const [id, key] of cone?.cached ?? []) o.onEvent({ type: 'node-cached', id, key: key as Digest });

  const { store, runner, jobs, keepGoing, signal, onEvent, scratchDir, runId } = o;
  const given = cone?.given;
  const scheduled = await scheduleNodes({ graph, planner, state, store, runner, jobs, keepGoing, signal, onEvent, scratchDir, runId, clock, scope, assessment, sharedCache: o.sharedCache, ...(given ? { given } : {}) });
  for (const [id, key] of cone?.cached ?? []) scheduled.summaries.set(id, { id, status: 'cached', key: key as Digest });
  const { interrupted, results: settled } = scheduled;
  // The pre-build latest results: executed nodes' entries are not replaced during the build.
  const determinism = o.verifyDeterminism && !interrupted ? await verify(o, scope, scheduled) : undefined;

  const versioned = interrupted
    ? { versions: [], failed: false }
    : await versionDatasets({
        graph,
        planner,
        targets: versionTargets,
        results: settled,
        state,
        store: o.store,
        dataDir: o.dataDir,
        dataTree: o.dataTree ?? dataTreeSettings(dirname(o.scratchDir), graph.dataTreeLink),
        verified,
        runId: o.runId,
        now: clock.now().toISOString(),
        onEvent: o.onEvent,
        versioning: o.versioning,
        determinism: determinism && new Map(determinism.findings.map((f) => [f.id, f])),
        forced: new Set([...forced].filter((id) => scheduled.summaries.get(id)?.status === 'executed')),
      });
  const failed = scheduled.failed || versioned.failed;

  const status: BuildSummary['status'] = interrupted ? 'interrupted' : failed ? 'failed' : 'succeeded';
  const { nodes, counts } = summarizeNodes(full, scheduled.summaries);
  await state.endRun(
    o.runId,
    clock.now().toISOString(),
    status,
    nodes
      .filter((n) => n.status !== 'cached')
      .map((n) => ({ nodeId: n.id, status: n.status as NodeRunStatus, key: n.key, error: n.error ? n.error.message : null })),
  );
  const durationMs = Math.round(clock.monotonicMs() - started);
  o.onEvent({ type: 'build-end', runId: o.runId, status, counts, durationMs });
  crashPoint('build-ended');
  return { runId: o.runId, status, nodes, versions: versioned.versions, counts, durationMs, ...(determinism ? { determinism } : {}), ...(o.sharedCache ? { sharedCache: true as const } : {}), results: settled };
}

/** Runs the executed nodes (or `--sample N` of them) a second time and compares their outputs. */
function verify(o: BuildOptions, scope: string[], scheduled: Awaited<ReturnType<typeof scheduleNodes>>): Promise<DeterminismReport> {
  return checkDeterminism({
    graph: o.graph,
    store: o.store,
    runner: o.runner,
    executed: scope.filter((id) => scheduled.summaries.get(id)?.status === 'executed'),
    results: scheduled.results,
    latest: o.planner.latest,
    staticParts: (id) => o.planner.staticParts(id),
    scratchDir: o.scratchDir,
    runId: o.runId,
    sample: o.verifyDeterminism?.sample,
    signal: o.signal,
    onEvent: o.onEvent,
  });
}
