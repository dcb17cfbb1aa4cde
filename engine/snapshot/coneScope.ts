import type { NodeResult } from '../../store/state.js';

/** What a cone build schedules, and what it reports cached without looking at it again. */
export interface ConeScope {
  /** The cone, in build order: the nodes scheduled (keys computed, cache checked, run if dirty). */
  scope: string[];
  /** The build's whole scope, in build order. */
  full: string[];
  /** The latest results of the nodes outside the cone that cone nodes depend on. */
  given: Map<string, NodeResult>;
  /** [node id, key] of the nodes in scope outside the cone: cached, as the snapshot recorded. */
  cached: [string, string][];
}

/**
 * The cone of a cone build (engine/snapshot/planCone.ts) against the build's full scope and
 * the state's latest results: undefined (the whole scope is scheduled) unless the snapshot
 * named exactly the scope's nodes and every node outside the cone still has, as its latest
 * result, the one the snapshot recorded. Nothing outside the cone read a changed file, so
 * its key is the one recorded.
 */
export function coneScope(
  cone: { nodes: readonly string[]; keys: ReadonlyMap<string, string> },
  full: string[],
  latest: ReadonlyMap<string, NodeResult>,
  depsOf: (id: string) => readonly string[],
): ConeScope | undefined {
  if (cone.keys.size !== full.length) return undefined;
  const inCone = new Set(cone.nodes);
  const cached: [string, string][] = [];
  for (const id of full) {
    const key = cone.keys.get(id);
    if (key === undefined) return undefined;
    if (inCone.has(id)) continue;
    if (latest.get(id)?.key !== key) return undefined;
    cached.push([id, key]);
  }
  const given = new Map<string, NodeResult>();
  for (const id of cone.nodes) {
    if (!cone.keys.has(id)) return undefined;
    for (const d of depsOf(id)) if (!inCone.has(d)) given.set(d, latest.get(d)!);
  }
  return { scope: [...cone.nodes], full, given, cached };
}
