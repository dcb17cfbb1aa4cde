import { canonicalJson } from './canonicalJson.js';
import { diffEntries } from './diffEntries.js';
import { isJsonObject, type Json } from './json.js';

/** One difference between two JSON documents. A side that is absent (added or removed) has no `old` or `new`. */
export interface JsonChange {
  /** RFC 6901 JSON pointer into the documents (`/` for the root). */
  pointer: string;
  old?: Json;
  new?: Json;
}

/** A JSON pointer's reference token for a key (RFC 6901: `~` → `~0`, `/` → `~1`). */
export function pointerToken(key: string | number): string {
  return String(key).replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * Every difference between two JSON documents as JSON pointers (the one differ of kfm: a
 * node's changed params, a dataset's changed spec). Objects are compared key by key in
 * code-point order, arrays index by index, anything else by value (canonical JSON, so
 * `1.0` equals `1`). Arrays of different lengths: the common indexes are compared, and
 * each extra element is its own change at its own pointer (`/p/3`), with no `old` when it
 * was added and no `new` when it was removed. A key present on one side only is the same.
 */
export function diffJsonPointers(a: Json | undefined, b: Json | undefined, pointer = ''): JsonChange[] {
  if (a === undefined || b === undefined) {
    if (a === b) return [];
    return [{ pointer: pointer || '/', ...(a !== undefined ? { old: a } : {}), ...(b !== undefined ? { new: b } : {}) }];
  }
  if (isJsonObject(a) && isJsonObject(b)) {
    const out: JsonChange[] = [];
    for (const c of diffEntries(Object.entries(a), Object.entries(b), sameJson)) {
      out.push(...diffJsonPointers(c.old, c.new, `${pointer}/${pointerToken(c.key)}`));
    }
    return out;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const out: JsonChange[] = [];
    for (let i = 0; i < Math.max(a.length, b.length); i++) out.push(...diffJsonPointers(a[i], b[i], `${pointer}/${i}`));
    return out;
  }
  return sameJson(a, b) ? [] : [{ pointer: pointer || '/', old: a, new: b }];
}

function sameJson(a: Json, b: Json): boolean {
  return a === b || canonicalJson(a) === canonicalJson(b);
}
