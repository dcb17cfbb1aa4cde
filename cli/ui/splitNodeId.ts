/**
 * A node id's dataset and task. The inverse of `nodeId` in engine/graph/graph.ts: a slug never
 * contains `/`, so the first `/` separates them.
 */
export function splitNodeId(id: string): { dataset: string; task: string } {
  const slash = id.indexOf('/');
  return slash < 0 ? { dataset: id, task: id } : { dataset: id.slice(0, slash), task: id.slice(slash + 1) };
}
