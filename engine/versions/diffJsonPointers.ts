import { canonicalJson } from '../../core/canonicalJson.js';
import type { Json } from '../../core/json.js';

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
 * Every difference between two JSON documents as JSON pointers, in key order: objects are
 * compared key by key, arrays index by index (extra elements are added or removed), and
 * anything else by value.
 */
export function diffJsonPointers(a: Json | undefined, b: Json | undefined, pointer = ''): JsonChange[] {
  if (a === undefined || b === undefined) {
    if (a === b) return [];
    return [{ pointer: pointer || '/', ...(a !== undefined ? { old: a } : {}), ...(b !== undefined ? { new: b } : {}) }];
  }
  if (isObject(a) && isObject(b)) {
    const out: JsonChange[] = [];
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
    for (const k of keys) out.push(...diffJsonPointers(a[k], b[k], `${pointer}/${pointerToken(k)}`));
    return out;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const out: JsonChange[] = [];
    for (let i = 0; i < Math.max(a.length, b.length); i++) out.push(...diffJsonPointers(a[i], b[i], `${pointer}/${i}`));
    return out;
  }
  return canonicalJson(a) === canonicalJson(b) ? [] : [{ pointer: pointer || '/', old: a, new: b }];
}

function isObject(v: Json): v is { [key: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
