import { canonicalJson } from '../../core/canonicalJson.js';
import type { Digest } from '../../core/digest.js';
import type { DirtyReason } from './dirtyReason.js';
import type { Json } from '../../core/json.js';
import type { KeyDocument } from './nodeKey.js';

/** Every difference between a node's stored key document and the one computed now. */
export function diffKeyDocument(old: KeyDocument, now: KeyDocument): DirtyReason[] {
  const reasons: DirtyReason[] = [];
  if (old.kfm_key_version !== now.kfm_key_version) {
    reasons.push({ type: 'key-format', old: old.kfm_key_version, new: now.kfm_key_version });
  }
  for (const [file, o, n] of diffPairs(old.code, now.code)) reasons.push({ type: 'code-changed', file, old: o, new: n });
  for (const [pointer, o, n] of diffJson(old.params as Json, now.params as Json, '')) {
    reasons.push({ type: 'param-changed', pointer, old: o, new: n });
  }
  for (const [path, o, n] of diffPairs(old.inputs, now.inputs)) reasons.push({ type: 'input-changed', path, old: o, new: n });
  for (const [upstream, o, n] of diffPairs(old.upstream, now.upstream)) {
    reasons.push({ type: 'upstream-changed', upstream, old: o, new: n });
  }
  return reasons;
}

function diffPairs(old: [string, Digest][], now: [string, Digest][]): [string, Digest | null, Digest | null][] {
  const a = new Map(old);
  const b = new Map(now);
  const out: [string, Digest | null, Digest | null][] = [];
  for (const k of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const x = a.get(k) ?? null;
    const y = b.get(k) ?? null;
    if (x !== y) out.push([k, x, y]);
  }
  return out;
}

/** Differences as JSON pointers (RFC 6901); `undefined` marks an absent side. */
function diffJson(a: Json | undefined, b: Json | undefined, pointer: string): [string, unknown, unknown][] {
  if (a === undefined || b === undefined) return a === b ? [] : [[pointer || '/', a, b]];
  const isObj = (v: Json) => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObj(a) && isObj(b)) {
    const ao = a as Record<string, Json>;
    const bo = b as Record<string, Json>;
    const out: [string, unknown, unknown][] = [];
    for (const k of [...new Set([...Object.keys(ao), ...Object.keys(bo)])].sort()) {
      out.push(...diffJson(ao[k], bo[k], `${pointer}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`));
    }
    return out;
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    const out: [string, unknown, unknown][] = [];
    a.forEach((v, i) => out.push(...diffJson(v, b[i], `${pointer}/${i}`)));
    return out;
  }
  return canonicalJson(a) === canonicalJson(b) ? [] : [[pointer || '/', a, b]];
}
