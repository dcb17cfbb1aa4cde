import type { Graph } from './graph.js';

/**
 * The nodes of the given datasets (every node when none is given) and everything they
 * depend on, in build order (`graph.order`). The datasets are known to the graph (targets
 * are parsed against it first): an unknown one is a bug in the caller.
 */
export function datasetScope(graph: Graph, datasets: readonly string[]): string[] {
  if (datasets.length === 0) return graph.order;
  const wanted = new Set<string>();
  const stack: string[] = [];
  for (const slug of datasets) {
    const dataset = graph.datasets.get(slug);
    if (!dataset) throw new Error(`internal: dataset "${slug}" is not in the graph`);
    stack.push(...dataset.nodes);
  }
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (wanted.has(id)) continue;
    wanted.add(id);
    stack.push(...graph.nodes.get(id)!.deps);
  }
  return graph.order.filter((id) => wanted.has(id));
}
