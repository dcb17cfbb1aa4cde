import type { LocalContentStore as ContentStore } from '../../store/contentStore.js';
import type { NodeResult, State } from '../../store/state.js';
import { KfmError } from '../../core/error.js';
import type { Graph } from '../graph/graph.js';
import type { Target } from '../graph/target.js';
import type { Planner } from '../plan/planner.js';
import type { EventSink } from '../run/event.js';
import { linkDatasetVersion, type LinkedVersion } from './linkDatasetVersion.js';

/**
 * After the nodes of a build have settled: names, records and links a version of each
 * targeted dataset that has a slice and whose every node settled. A version that cannot be
 * named (a KfmError) is a `build-error` event and makes the build fail; the others go on.
 */
export function versionDatasets(args: {
  graph: Graph;
  planner: Planner;
  targets: Target[];
  results: Map<string, NodeResult>;
  state: State;
  store: ContentStore;
  dataDir: string;
  runId: string;
  now: string;
  onEvent: EventSink;
}): { versions: LinkedVersion[]; failed: boolean } {
  const { graph, results } = args;
  const versions: LinkedVersion[] = [];
  let failed = false;
  for (const t of args.targets) {
    const ds = graph.datasets.get(t.dataset)!;
    const slice = t.slice ?? ds.defaultSlice;
    if (slice === undefined) continue;
    if (!ds.nodes.every((id) => results.has(id))) continue;
    try {
      const v = linkDatasetVersion({
        graph,
        dataset: t.dataset,
        slice,
        results,
        staticParts: (id) => args.planner.staticParts(id),
        state: args.state,
        store: args.store,
        dataDir: args.dataDir,
        runId: args.runId,
        now: args.now,
      });
      versions.push(v);
      args.onEvent({ type: 'dataset-linked', dataset: t.dataset, datasetVersionId: v.datasetVersionId, paths: v.paths.length });
    } catch (e) {
      if (!(e instanceof KfmError)) throw e;
      failed = true;
      args.onEvent({ type: 'build-error', message: e.message });
    }
  }
  return { versions, failed };
}
