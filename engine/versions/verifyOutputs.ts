import type { Digest } from '../../core/digest.js';
import { KfmError } from '../../core/error.js';
import type { ContentStore } from '../../store/contentStore.js';
import type { NodeResult } from '../../store/state.js';
import type { EventSink } from '../run/event.js';

/** How many objects are re-hashed at a time. */
const IN_FLIGHT = 4;

/** An output whose object failed verification: quarantined when corrupt, absent when missing. */
export interface BadOutput {
  digest: Digest;
  node: string;
  output: string;
  found: 'corrupt' | 'missing';
}

/**
 * Re-hashes the store objects of these results' outputs (each digest once). A corrupt object
 * is quarantined (ContentStore.quarantine), so the cache check then finds it missing and the
 * node reruns; each bad output is an `object-corrupt` event. `skip`: digests already known
 * intact in this build. Returns the digests found intact and the bad outputs.
 *
 * This is the versioned build's check (a version's receipts and checksums are never signed
 * over bytes that do not match): the cache check itself stays a stat (`has`), because
 * re-hashing every cached output would make every no-op build read all the data.
 */
export async function verifyOutputs(
  results: Iterable<NodeResult>,
  store: ContentStore,
  onEvent: EventSink,
  skip: ReadonlySet<Digest> = new Set(),
): Promise<{ intact: Set<Digest>; bad: BadOutput[] }> {
  const owners = new Map<Digest, { node: string; output: string }[]>();
  for (const r of results) {
    for (const o of r.outputs) {
      if (skip.has(o.digest)) continue;
      const list = owners.get(o.digest) ?? [];
      list.push({ node: r.nodeId, output: o.name });
      owners.set(o.digest, list);
    }
  }
  const digests = [...owners.keys()];
  const intact = new Set<Digest>();
  const bad: BadOutput[] = [];
  for (let i = 0; i < digests.length; i += IN_FLIGHT) {
    const batch = digests.slice(i, i + IN_FLIGHT);
    const checks = await Promise.all(batch.map((d) => store.check(d)));
    for (const [j, d] of batch.entries()) {
      const found = checks[j]!;
      if (found === 'ok') {
        intact.add(d);
        continue;
      }
      if (found === 'corrupt') await store.quarantine(d);
      for (const o of owners.get(d)!) {
        bad.push({ digest: d, ...o, found });
        onEvent({ type: 'object-corrupt', digest: d, ...o, found });
      }
    }
  }
  return { intact, bad };
}

/**
 * The last check before a version is named: every output it names is intact (re-hashed
 * unless `verified` already holds it). Otherwise a KfmError: nothing is recorded or signed
 * for the dataset, the bad objects are quarantined, and their producers rerun next build.
 */
export async function requireIntactOutputs(
  slug: string,
  results: Iterable<NodeResult>,
  store: ContentStore,
  onEvent: EventSink,
  verified: Set<Digest>,
): Promise<void> {
  const { intact, bad } = await verifyOutputs(results, store, onEvent, verified);
  for (const d of intact) verified.add(d);
  if (bad.length === 0) return;
  const nodes = [...new Set(bad.map((b) => b.node))];
  const what = bad.map((b) => `${b.node} output "${b.output}" (${b.digest}) is ${b.found}`).join('; ');
  throw new KfmError(
    'store',
    `dataset ${slug}: ${what}; nothing was recorded for ${slug}: the object was moved aside, and ${nodes.join(', ')} ${nodes.length === 1 ? 'reruns' : 'rerun'} on the next build`,
  );
}
