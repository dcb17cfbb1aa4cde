import type { Digest } from '../../core/digest.js';
import type { Awaitable } from '../../store/awaitable.js';
import type { NodeResult } from '../../store/state.js';
import type { DirtyReason } from '../keys/dirtyReason.js';

/** Whether a ready node's stored result stands in for running it. */
export type CacheCheck =
  /** A stored result has the node's key and every output object: the node does not run. */
  | {
      type: 'cached';
      result: NodeResult;
      /** The result is not the node's latest (its key changed back): it becomes it. */
      becomesLatest: boolean;
      /** Found in the shared cache (engine/schedule/sharedCacheStep.ts): committed to the local state as if it ran. */
      shared?: boolean;
    }
  /** The node runs, and why. */
  | { type: 'dirty'; reason: DirtyReason };

/** What the check reads: stored results, the store's objects, and the settled upstream nodes. */
export interface CacheSources {
  /** Each node's latest stored result. */
  latest: ReadonlyMap<string, NodeResult>;
  resultByKey(key: Digest): Awaitable<NodeResult | undefined>;
  /** The first output of a result whose object is missing or damaged. */
  missingOutput(result: NodeResult): Awaitable<DirtyReason | undefined>;
  /** A settled upstream node's outputs digest. */
  upstreamDigest(dep: string): Digest;
}

/** Applies `f` to an Awaitable: at once when it is a value, after it settles when it is a Promise. */
function then<T, U>(x: Awaitable<T>, f: (value: T) => Awaitable<U>): Awaitable<U> {
  return x instanceof Promise ? x.then(f) : f(x);
}

/**
 * Checks a ready node (every upstream settled, so `key` is its real key). `assessed` is
 * the first reason the pre-build assessment gave; a reason `upstream-pending` there becomes
 * `upstream-changed`, with the upstream digest the previous key had and the one it has now.
 *
 * Answers synchronously when no source needs a round trip (no stored result to look up, or
 * sources that answer at once), else a Promise: the scheduler keeps the synchronous path
 * for the common cases (a clean build, a node the assessment already found intact).
 */
export function checkCache(node: { id: string; key: Digest; always: boolean; forced?: boolean; assessed: DirtyReason | undefined }, sources: CacheSources): Awaitable<CacheCheck> {
  // `--force`: the node runs, its stored result or not (make -B). Its dependents are checked as ever.
  if (node.forced) return { type: 'dirty', reason: { type: 'forced' } };
  if (node.always) return { type: 'dirty', reason: { type: 'always' } };
  const latest = sources.latest.get(node.id);
  // A node that never succeeded has no stored result under any key.
  const hit = latest?.key === node.key ? latest : latest ? sources.resultByKey(node.key) : undefined;
  return then(hit, (found): Awaitable<CacheCheck> => {
    if (found) {
      return then(sources.missingOutput(found), (missing): CacheCheck =>
        missing ? { type: 'dirty', reason: missing } : { type: 'cached', result: found, becomesLatest: latest?.key !== node.key },
      );
    }
    const reason = node.assessed ?? { type: 'no-previous-run' };
    if (reason.type !== 'upstream-pending') return { type: 'dirty', reason };
    const d = reason.upstream;
    return {
      type: 'dirty',
      reason: { type: 'upstream-changed', upstream: d, old: latest ? upstreamDigestIn(latest.keyDoc, d) : null, new: sources.upstreamDigest(d) },
    };
  });
}

/** The outputs digest a key document recorded for an upstream node. */
function upstreamDigestIn(keyDoc: string, dep: string): Digest | null {
  const doc = JSON.parse(keyDoc) as { upstream?: [string, Digest][] };
  return doc.upstream?.find(([d]) => d === dep)?.[1] ?? null;
}
