import type { NodeResult } from '../../store/state.js';
import type { Digest } from '../../core/digest.js';
import { diffEntries } from '../../core/diffEntries.js';
import type { Graph } from '../graph/graph.js';
import type { StaticParts } from '../plan/planner.js';
import { compareCodePoints } from '../../core/compareCodePoints.js';
import { shortDigest } from '../../core/shortDigest.js';

/** A raw input of a dataset: `[label, digest]`. */
export type RawInput = [string, Digest];

/**
 * What a dataset version is built from besides its spec, sorted by label: every raw-zone
 * output (`<node>:<output>`), every declared input file (`file:<path>`) and every output
 * taken from another dataset (`node:<node>`, its outputs digest). A backfill is a change
 * here with the same spec.
 */
export function datasetRawInputs(
  graph: Graph,
  slug: string,
  results: ReadonlyMap<string, NodeResult>,
  staticParts: (id: string) => StaticParts,
): RawInput[] {
  const out: RawInput[] = [];
  for (const id of graph.datasets.get(slug)!.nodes) {
    const n = graph.nodes.get(id)!;
    const r = results.get(id)!;
    if (n.zone === 'raw') for (const o of r.outputs) out.push([`${n.id}:${o.name}`, o.digest]);
    for (const [path, d] of staticParts(n.id).inputs) out.push([`file:${path}`, d]);
    for (const dep of n.deps) {
      if (graph.nodes.get(dep)!.dataset !== slug) out.push([`node:${dep}`, results.get(dep)!.outputsDigest]);
    }
  }
  return out.sort((a, b) => compareCodePoints(a[0], b[0]));
}

/** One raw input that differs between two versions (null: absent on that side). */
export interface RawInputChange {
  input: string;
  old: Digest | null;
  new: Digest | null;
}

/** The raw inputs added, removed or changed between two versions, by label. */
export function rawInputChanges(old: readonly RawInput[], now: readonly RawInput[]): RawInputChange[] {
  return diffEntries(old, now).map((c) => ({ input: c.key, old: c.old ?? null, new: c.new ?? null }));
}

/** `ks/fetch:rows.csv sha256:0123456789ab → sha256:ba9876543210`. */
export function describeRawInputChange(c: RawInputChange): string {
  if (c.old === null) return `${c.input} added (${shortDigest(c.new)})`;
  if (c.new === null) return `${c.input} removed (was ${shortDigest(c.old)})`;
  return `${c.input} ${shortDigest(c.old)} → ${shortDigest(c.new)}`;
}
