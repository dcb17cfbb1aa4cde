import type { Graph } from '../../engine/graph/graph.js';
import { targetScope } from '../../engine/graph/datasetScope.js';
import type { Target } from '../../engine/graph/target.js';

/** The format of `kfm graph --format json` (schemas/graph-report.schema.json). */
export const GRAPH_REPORT_VERSION = 'v1';

export interface GraphReportNode {
  id: string;
  dataset: string;
  task: string;
  run: string;
  operation: string;
  zone: string;
  deps: string[];
}

export interface GraphReport {
  kfm_graph_version: typeof GRAPH_REPORT_VERSION;
  targets: string[];
  /** Datasets in the order their first node builds; each lists its nodes in build order. */
  datasets: { dataset_slug: string; nodes: string[] }[];
  /** Every node of the targets and what they depend on, in build order. */
  nodes: GraphReportNode[];
  /** `[from, to]`: `to` depends on `from`. */
  edges: [string, string][];
}

/**
 * The targets' part of the graph (every dataset when none is named), in build order, as a
 * plain document every renderer (JSON, DOT, Mermaid) draws from. Nothing here depends on
 * state: the same kfmfile always gives the same document.
 */
export function graphDocument(graph: Graph, parsed: readonly Target[], targets: readonly string[]): GraphReport {
  const scope = targetScope(graph, parsed);
  const nodes = scope.map((id) => {
    const n = graph.nodes.get(id)!;
    return { id, dataset: n.dataset, task: n.task, run: n.run, operation: n.operation, zone: n.zone, deps: n.deps };
  });
  const grouped = new Map<string, string[]>();
  for (const n of nodes) {
    let list = grouped.get(n.dataset);
    if (!list) grouped.set(n.dataset, (list = []));
    list.push(n.id);
  }
  return {
    kfm_graph_version: GRAPH_REPORT_VERSION,
    targets: [...targets],
    datasets: [...grouped].map(([dataset_slug, ids]) => ({ dataset_slug, nodes: ids })),
    nodes,
    edges: nodes.flatMap((n) => n.deps.map((d) => [d, n.id] as [string, string])),
  };
}
