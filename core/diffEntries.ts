import { compareCodePoints } from './compareCodePoints.js';

/** One key whose value differs between two keyed collections; `undefined` marks the side it is absent from. */
export interface EntryChange<V> {
  key: string;
  old: V | undefined;
  new: V | undefined;
}

/**
 * The union of the keys of two keyed collections (`[key, value]` pairs, a Map's entries,
 * `Object.entries`), in code-point order, keeping each key whose values differ: present on
 * one side only, or not `same` on both (default: `Object.is`, right for digests and ids).
 * A key repeated on one side keeps its last value, as in a Map.
 */
export function diffEntries<V>(
  old: Iterable<readonly [string, V]>,
  now: Iterable<readonly [string, V]>,
  same: (a: V, b: V) => boolean = Object.is,
): EntryChange<V>[] {
  const a = new Map(old);
  const b = new Map(now);
  const out: EntryChange<V>[] = [];
  for (const key of [...new Set([...a.keys(), ...b.keys()])].sort(compareCodePoints)) {
    const inA = a.has(key);
    const inB = b.has(key);
    const x = a.get(key);
    const y = b.get(key);
    if (inA && inB && same(x as V, y as V)) continue;
    out.push({ key, old: inA ? x : undefined, new: inB ? y : undefined });
  }
  return out;
}
