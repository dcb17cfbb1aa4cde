/** Where a value stops being JSON: the JSON pointer of the first offending part, and what it is. */
export interface NonJson {
  /** RFC 6901 JSON pointer (`/a/0/b`) of the offending value. */
  pointer: string;
  /** What it is, as a user reads it: `undefined`, `a function`, `a Date`, `NaN`, `a circular reference`… */
  what: string;
}

/**
 * The first part of `value` (depth first, keys in their own order) that JSON cannot carry
 * as it is: undefined, functions, symbols, BigInts, non-finite numbers, instances of a class
 * (Date, Map, Set, …: anything but plain objects and arrays), sparse arrays and cycles.
 * Undefined when `value` is plain JSON.
 */
export function nonJsonAt(value: unknown): NonJson | undefined {
  return walk(value, '', new Set());
}

function walk(v: unknown, pointer: string, ancestors: Set<object>): NonJson | undefined {
  const what = describeScalar(v);
  if (what !== null) return what === '' ? undefined : { pointer, what };
  const o = v as object;
  if (ancestors.has(o)) return { pointer, what: 'a circular reference' };
  const proto = Object.getPrototypeOf(o) as object | null;
  const isArray = Array.isArray(o) && proto === Array.prototype;
  if (!isArray && proto !== Object.prototype && proto !== null) return { pointer, what: describeInstance(o) };
  if (Object.getOwnPropertySymbols(o).length > 0) return { pointer, what: 'an object with symbol keys' };
  ancestors.add(o);
  try {
    if (isArray) {
      const a = o as unknown[];
      for (let i = 0; i < a.length; i++) {
        if (!(i in a)) return { pointer: `${pointer}/${i}`, what: 'a hole in an array' };
        const found = walk(a[i], `${pointer}/${i}`, ancestors);
        if (found) return found;
      }
      return undefined;
    }
    for (const key of Object.keys(o)) {
      const d = Object.getOwnPropertyDescriptor(o, key);
      if (d && (d.get !== undefined || d.set !== undefined)) return { pointer: `${pointer}/${escapeToken(key)}`, what: 'a getter' };
      const found = walk((o as Record<string, unknown>)[key], `${pointer}/${escapeToken(key)}`, ancestors);
      if (found) return found;
    }
    return undefined;
  } finally {
    ancestors.delete(o);
  }
}

/** '' for a JSON scalar, a description for a non-JSON scalar, null for an object (walked further). */
function describeScalar(v: unknown): string | null {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return '';
    case 'number':
      return Number.isFinite(v) ? '' : String(v);
    case 'undefined':
      return 'undefined';
    case 'function':
      return 'a function';
    case 'symbol':
      return 'a symbol';
    case 'bigint':
      return `a BigInt (${String(v)}n)`;
    default:
      return v === null ? '' : null;
  }
}

function describeInstance(o: object): string {
  const name = (o as { constructor?: { name?: unknown } }).constructor?.name;
  if (typeof name !== 'string' || name === '') return 'an instance of a class';
  if (['Date', 'Map', 'Set', 'RegExp', 'Promise', 'WeakMap', 'WeakSet', 'Error', 'URL', 'Buffer', 'Uint8Array', 'ArrayBuffer'].includes(name)) {
    return `${/^[AEIOU]/.test(name) ? 'an' : 'a'} ${name}`;
  }
  return `an instance of ${name}`;
}

function escapeToken(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}
