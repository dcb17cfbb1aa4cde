import type { Graph } from './graph.js';
import { targetNodes, type Target } from './target.js';

/**
 * The nodes of the given datasets (every node when none is given) and everything they
 * depend on, in build order (`graph.order`). The datasets are known to the graph (targets
 * are parsed against it first): an unknown one is a bug in the caller.
 */
export function datasetScope(graph: Graph, datasets: readonly string[]): string[] {
  if (datasets.length === 0) return graph.order;
  const roots: string[] = [];
  for (const slug of datasets) {
    const dataset = graph.datasets.get(slug);
    if (!dataset) throw new Error(`internal: dataset "${slug}" is not in the graph`);
    roots.push(...dataset.nodes);
  }
  return nodeScope(graph, roots);
}

/**
 * What the targets build (engine/graph/target.ts): a dataset target's nodes, a task
 * target's node, and everything they depend on, in build order; every node when there is
 * no target. Nothing downstream of a task target is in it.
 */
export function targetScope(graph: Graph, targets: readonly Target[]): string[] {
  if (targets.length === 0) return graph.order;
  return nodeScope(graph, targetNodes(graph, targets));
}

/** The nodes `roots` and everything upstream of them, in build order. */
export function nodeScope(graph: Graph, roots: readonly string[]): string[] {
  const wanted = new Set<string>();
  const stack = [...roots];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (wanted.has(id)) continue;
    wanted.add(id);
    stack.push(...graph.nodes.get(id)!.deps);
  }
  return graph.order.filter((id) => wanted.has(id));
}
