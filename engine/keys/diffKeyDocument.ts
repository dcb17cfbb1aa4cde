import type { Digest } from '../../core/digest.js';
import { diffEntries } from '../../core/diffEntries.js';
import { diffJsonPointers } from '../../core/diffJsonPointers.js';
import type { DirtyReason } from './dirtyReason.js';
import type { KeyDocument } from './nodeKey.js';

/**
 * Every difference between a node's stored key document and the one computed now: code
 * files, inputs and upstreams by label (`null` for a side it is absent from), params as
 * JSON pointers (`diffJsonPointers`: an added or removed array element is its own change,
 * with no `old` or no `new`).
 */
export function diffKeyDocument(old: KeyDocument, now: KeyDocument): DirtyReason[] {
  const reasons: DirtyReason[] = [];
  if (old.kfm_key_version !== now.kfm_key_version) {
    reasons.push({ type: 'key-format', old: old.kfm_key_version, new: now.kfm_key_version });
  }
  for (const c of digestChanges(old.code, now.code)) reasons.push({ type: 'code-changed', file: c.key, old: c.old, new: c.new });
  for (const c of diffJsonPointers(old.params, now.params)) reasons.push({ type: 'param-changed', ...c });
  for (const c of digestChanges(old.inputs, now.inputs)) reasons.push({ type: 'input-changed', path: c.key, old: c.old, new: c.new });
  for (const c of digestChanges(old.upstream, now.upstream)) {
    reasons.push({ type: 'upstream-changed', upstream: c.key, old: c.old, new: c.new });
  }
  return reasons;
}

function digestChanges(old: [string, Digest][], now: [string, Digest][]): { key: string; old: Digest | null; new: Digest | null }[] {
  return diffEntries(old, now).map((c) => ({ key: c.key, old: c.old ?? null, new: c.new ?? null }));
}
