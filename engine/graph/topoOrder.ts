/**
 * Kahn's algorithm. The order depends only on the graph (declaration order breaks ties),
 * never on timing.
 */
export function topoOrder(nodes: ReadonlyMap<string, readonly string[]>): string[] {
  const indegree = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const [id, deps] of nodes) {
    indegree.set(id, deps.length);
    for (const d of deps) {
      let list = dependents.get(d);
      if (!list) dependents.set(d, (list = []));
      list.push(id);
    }
  }
  const order: string[] = [];
  for (const [id, n] of indegree) if (n === 0) order.push(id);
  for (let i = 0; i < order.length; i++) {
    for (const dep of dependents.get(order[i]!) ?? []) {
      const n = indegree.get(dep)! - 1;
      indegree.set(dep, n);
      if (n === 0) order.push(dep);
    }
  }
  return order;
}
