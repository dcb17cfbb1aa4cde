import { canonicalDigest } from '../../core/canonicalJson.js';
import type { Digest } from '../../core/digest.js';
import type { Graph } from '../graph/graph.js';
import { compareCodePoints } from '../../core/compareCodePoints.js';

export const SPEC_HASH_VERSION = 1;

/** Keys whose values are volatile and never part of a spec_hash (CONTRACTS.md "Identity"). */
const VOLATILE_KEYS = new Set([
  'run_id',
  'timestamp',
  'nonce',
  'signature',
  'signatures',
  'attestation',
  'attestations',
  'stored_path',
  'stored_url',
  'storage_path',
  'storage_url',
]);

export function isVolatileKey(key: string): boolean {
  return VOLATILE_KEYS.has(key) || key.endsWith('_at');
}

/** A deep copy without volatile keys. */
export function stripVolatile(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripVolatile);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (!isVolatileKey(k)) out[k] = stripVolatile(v);
    return out;
  }
  return value;
}

/**
 * The document a dataset's spec_hash covers: the spec (volatile keys removed) and the
 * dataset's task graph, each task with its module, parameters, dependencies, input
 * patterns and the digest of its code.
 */
export function specHashDocument(graph: Graph, slug: string, codeDigestOf: (nodeId: string) => Digest): unknown {
  const ds = graph.datasets.get(slug)!;
  const tasks = ds.nodes
    .map((id) => graph.nodes.get(id)!)
    .sort((a, b) => compareCodePoints(a.task, b.task))
    .map((n) => ({
      name: n.task,
      run: n.run,
      params: stripVolatile(n.params),
      deps: n.deps,
      inputs: n.inputPatterns,
      zone: n.zone,
      always: n.always,
      code: codeDigestOf(n.id),
    }));
  return { kfm_spec_hash_version: SPEC_HASH_VERSION, spec: stripVolatile(ds.spec), tasks };
}

/** `sha256:` + hex of SHA-256 over the RFC 8785 form of the spec-hash document. */
export function specHash(graph: Graph, slug: string, codeDigestOf: (nodeId: string) => Digest): Digest {
  return canonicalDigest(specHashDocument(graph, slug, codeDigestOf));
}
