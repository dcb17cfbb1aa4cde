import type { Graph } from '../graph/graph.js';
import { targetNodes, type Target } from '../graph/target.js';

/** How many worker threads a build starts at most, per core: more only costs memory. */
export const JOBS_PER_CORE = 4;

/** The jobs a build uses and, when fewer than asked, why (the `jobs-clamped` warning). */
export interface JobsLimit {
  jobs: number;
  clamped?: { requested: number; limit: 'nodes' | 'cores'; nodes: number; cores: number };
}

/**
 * `--jobs` within what can use it: no more threads than nodes the targets can run (their
 * datasets' nodes and everything upstream of them) nor than JOBS_PER_CORE × cores. A huge
 * value would start that many worker threads (a billion hangs; 200 take gigabytes).
 */
export function jobsLimit(requested: number, graph: Graph, targets: readonly Target[], cores: number): JobsLimit {
  const nodes = Math.max(1, runnableNodes(graph, targets));
  const max = Math.max(1, JOBS_PER_CORE * cores);
  const jobs = Math.max(1, Math.min(requested, nodes, max));
  if (jobs >= requested) return { jobs };
  return { jobs, clamped: { requested, limit: nodes <= max ? 'nodes' : 'cores', nodes, cores } };
}

function runnableNodes(graph: Graph, targets: readonly Target[]): number {
  const seen = new Set<string>();
  const stack: string[] = [];
  stack.push(...targetNodes(graph, targets.filter((t) => graph.datasets.has(t.dataset))));
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...(graph.nodes.get(id)?.deps ?? []));
  }
  return seen.size;
}
