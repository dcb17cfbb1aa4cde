import type { Clock } from '../../core/clock.js';
import type { ContentStore } from '../../store/contentStore.js';
import type { NodeResult, ResultStore, RunLog } from '../../store/state.js';
import type { Graph } from '../graph/graph.js';
import type { Assessment, Planner } from '../plan/planner.js';
import type { NodeSummary } from '../run/buildSummary.js';
import type { EventSink } from '../run/event.js';
import type { TaskRunner } from './runner.js';
import type { SharedCacheSeam } from '../cache/sharedCache.js';

/** What scheduleNodes (engine/schedule/scheduleNodes.ts) runs on: the build's graph, planner, seams and runner. */
export interface ScheduleOptions {
  graph: Graph;
  planner: Planner;
  /** Results by key and the run log (awaited: a seam, store/state/*). */
  state: ResultStore & RunLog;
  store: ContentStore;
  runner: TaskRunner;
  jobs: number;
  keepGoing: boolean;
  signal: AbortSignal;
  onEvent: EventSink;
  /** Where scratch directories go (`.kfm/scratch`). */
  scratchDir: string;
  runId: string;
  clock: Clock;
  /** The nodes to build, in build order (`planner.scope`), and their assessment (`planner.assess`). */
  scope: string[];
  assessment: ReadonlyMap<string, Assessment>;
  /** The shared cache (KFM_CACHE, engine/cache/openSharedCache.ts): asked after a local miss, written after the build. */
  sharedCache?: SharedCacheSeam | undefined;
  /** Settled results of nodes outside `scope` that scope nodes depend on (a cone build: engine/snapshot/planCone.ts). */
  given?: ReadonlyMap<string, NodeResult>;
}

export interface ScheduleOutcome {
  /** Every node in scope. */
  summaries: Map<string, NodeSummary>;
  /** The result each settled (executed or cached) node built or found. */
  results: Map<string, NodeResult>;
  /** Some node failed. */
  failed: boolean;
  /** The signal was aborted. */
  interrupted: boolean;
}
