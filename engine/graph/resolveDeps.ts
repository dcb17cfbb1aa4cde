import type { TaskDecl } from '../../core/kfmConfig.js';
import { compareCodePoints } from '../../core/compareCodePoints.js';
import { nodeId, type GraphNode } from './graph.js';
import type { KfmfileLocator } from './kfmfileLocator.js';

/**
 * Resolves each node's deps as written (`deps` of `raw`: task names in its dataset, or
 * `dataset/task` ids) into node ids, sorted, once every task is known (deps may point at
 * later datasets). An unknown task or a node depending on itself fails at its declaration.
 */
export function resolveDeps(nodes: ReadonlyMap<string, GraphNode>, raw: ReadonlyMap<string, { decl: TaskDecl; deps: string[] }>, at: KfmfileLocator): void {
  for (const [id, { decl, deps }] of raw) {
    const node = nodes.get(id)!;
    const resolved = new Set<string>();
    for (const d of deps) {
      const target = d.includes('/') ? d : nodeId(node.dataset, d);
      if (!nodes.has(target)) at.fail(`task "${id}" depends on unknown task "${d}"`, decl.declaredAt);
      if (target === id) at.fail(`task "${id}" depends on itself`, decl.declaredAt);
      resolved.add(target);
    }
    node.deps = [...resolved].sort(compareCodePoints);
  }
}
