import type { Json } from './json.js';
import { compareCodePoints } from './compareCodePoints.js';

/**
 * JSON with object keys in code-point order (never `localeCompare`), 2-space indent and a
 * trailing newline: the byte-stable form kfm writes manifests in. Written by hand rather
 * than as `JSON.stringify(sortKeys(v))`, because JavaScript objects put integer-like keys
 * first whatever order they were inserted in.
 */
export function sortedJson(value: Json): string {
  return `${write(value, '')}\n`;
}

function write(value: Json, indent: string): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`cannot write ${value} as JSON`);
    return JSON.stringify(value);
  }
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((v) => inner + write(v, inner)).join(',\n')}\n${indent}]`;
  }
  const entries = Object.entries(value).sort(([a], [b]) => compareCodePoints(a, b));
  if (entries.length === 0) return '{}';
  const members = entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${write(v, inner)}`);
  return `{\n${members.join(',\n')}\n${indent}}`;
}
