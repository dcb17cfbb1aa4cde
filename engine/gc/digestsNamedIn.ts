import type { Digest } from '../../core/digest.js';

const NAMED = /sha256:[0-9a-f]{64}/g;
const HEX = /^[0-9a-f]{64}$/;

/**
 * Adds to `into` every SHA-256 digest a JSON value names, wherever it is: a string that is
 * or contains `sha256:<64 hex>` (a digest, a `kfm://artifact/sha256:…` URI), and an in-toto
 * digest set's `{ "sha256": "<64 hex>" }`. The rule kfm gc applies to every record that keeps
 * bytes live, so a new kind of reference in a receipt, a registry or a checksums file is
 * covered without naming its field. Naming more than objects (a spec_hash, an entry hash)
 * only keeps nothing extra: such digests are not store objects.
 */
export function digestsNamedIn(value: unknown, into: Set<Digest>): Set<Digest> {
  if (typeof value === 'string') {
    for (const m of value.matchAll(NAMED)) into.add(m[0] as Digest);
  } else if (Array.isArray(value)) {
    for (const v of value) digestsNamedIn(v, into);
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'sha256' && typeof v === 'string' && HEX.test(v)) into.add(`sha256:${v}`);
      else digestsNamedIn(v, into);
    }
  }
  return into;
}
