import type { Clock } from '../../core/clock.js';
import type { ContentStore } from '../../store/contentStore.js';
import type { NodeRunStatus, ResultStore, RunLog, VersionStore } from '../../store/state.js';
import type { Graph } from '../graph/graph.js';
import type { Target } from '../graph/target.js';
import type { Planner } from '../plan/planner.js';
import type { TaskRunner } from '../schedule/runner.js';
import { scheduleNodes } from '../schedule/scheduleNodes.js';
import { versionDatasets } from '../versions/versionDatasets.js';
import type { VersioningContext } from '../versions/versioningContext.js';
import { summarizeNodes, type BuildSummary } from './buildSummary.js';
import type { EventSink } from './event.js';
import { crashPoint } from './crashPoint.js';

export interface BuildOptions {
  graph: Graph;
  planner: Planner;
  targets: Target[];
  /** Results, the run log and versions: seams, every call awaited (store/state/*). */
  state: ResultStore & RunLog & VersionStore;
  store: ContentStore;
  runner: TaskRunner;
  jobs: number;
  keepGoing: boolean;
  signal: AbortSignal;
  onEvent: EventSink;
  /** Where scratch directories go (`.kfm/scratch`). */
  scratchDir: string;
  /** The data/ tree to link versions into. */
  dataDir: string;
  /** Checks a node's params before it runs (the module's `paramsSchema`); throws a KfmError. */
  validateParams: (nodeId: string) => Promise<void>;
  runId: string;
  /** What the run's times, results' `finishedAt` and every duration are read from. */
  clock: Clock;
  /** `kfm build`'s registry, receipts and `--expect` for the versions (engine/receipts/openVersioning.ts); none: versions go to state and data/ only. */
  versioning?: VersioningContext | undefined;
}

/**
 * Builds the targets: checks the params of every node that may run, records the run,
 * schedules the nodes (engine/schedule/scheduleNodes.ts), then versions the targeted
 * datasets (engine/versions/versionDatasets.ts) unless interrupted, and ends the run.
 */
export async function build(o: BuildOptions): Promise<BuildSummary> {
  const { graph, planner, state, clock } = o;
  const started = clock.monotonicMs();
  const scope = planner.scope([...new Set(o.targets.map((t) => t.dataset))]);
  await planner.prepare(scope);

  // Check the params of every node that may run before anything runs (exit 2, nothing written).
  const assessment = await planner.assess(scope);
  for (const id of scope) if (assessment.get(id)!.dirty) await o.validateParams(id);
  crashPoint('planned');

  const targets = o.targets.map(targetText);
  await state.beginRun({ runId: o.runId, startedAt: clock.now().toISOString(), targets, jobs: o.jobs });
  o.onEvent({ type: 'build-start', runId: o.runId, targets, nodes: scope, jobs: o.jobs });

  const scheduled = await scheduleNodes({
    graph,
    planner,
    state,
    store: o.store,
    runner: o.runner,
    jobs: o.jobs,
    keepGoing: o.keepGoing,
    signal: o.signal,
    onEvent: o.onEvent,
    scratchDir: o.scratchDir,
    runId: o.runId,
    clock,
    scope,
    assessment,
  });
  const { interrupted, results: settled } = scheduled;

  const versioned = interrupted
    ? { versions: [], failed: false }
    : await versionDatasets({ graph, planner, targets: o.targets, results: settled, state, store: o.store, dataDir: o.dataDir, runId: o.runId, now: clock.now().toISOString(), onEvent: o.onEvent, versioning: o.versioning });
  const failed = scheduled.failed || versioned.failed;

  const status: BuildSummary['status'] = interrupted ? 'interrupted' : failed ? 'failed' : 'succeeded';
  const { nodes, counts } = summarizeNodes(scope, scheduled.summaries);
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
  return { runId: o.runId, status, nodes, versions: versioned.versions, counts, durationMs, results: settled };
}

function targetText(t: Target): string {
  return t.slice ? `${t.dataset}@${t.slice}` : t.dataset;
}
