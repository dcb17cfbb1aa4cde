import { failedChecksOf, type FailedCheck } from '../../core/failedCheck.js';
import type { NodeResult } from '../../store/state.js';
import type { Graph } from '../graph/graph.js';

/** What the QA nodes of a built dataset say about its version. */
export interface QaOutcome {
  /** A QA node's result says `status: 'fail'`: the version is recorded as `quarantined`. */
  quarantined: boolean;
  /** Their failed checks, in node order. */
  failedChecks: FailedCheck[];
}

/**
 * The QA outcome of a dataset's version from its nodes' results (pure): a node with
 * `operation: 'qa'` whose result meta says `status: 'fail'` quarantines it (a QA task signals
 * failed checks through its result, not by throwing; core/failedCheck.ts).
 */
export function qaOutcome(graph: Graph, slug: string, results: ReadonlyMap<string, NodeResult>): QaOutcome {
  let quarantined = false;
  const failedChecks: FailedCheck[] = [];
  for (const id of graph.datasets.get(slug)!.nodes) {
    if (graph.nodes.get(id)!.operation !== 'qa') continue;
    const failed = failedChecksOf(id, results.get(id)!.meta);
    if (failed === null) continue;
    quarantined = true;
    failedChecks.push(...failed);
  }
  return { quarantined, failedChecks };
}
