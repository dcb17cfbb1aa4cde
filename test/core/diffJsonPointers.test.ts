import { describe, expect, it } from 'vitest';
import { diffEntries } from '../../core/diffEntries.js';
import { diffJsonPointers } from '../../core/diffJsonPointers.js';

describe('diffEntries', () => {
  it('unions the keys in code-point order and keeps those that differ, absent sides undefined', () => {
    const old: [string, string][] = [['b', '1'], ['a', '1'], ['\u00e9', 'x'], ['Z', 'same']];
    const now: [string, string][] = [['c', '3'], ['a', '2'], ['\uFB01', 'y'], ['Z', 'same']];
    expect(diffEntries(old, now)).toEqual([
      { key: 'a', old: '1', new: '2' },
      { key: 'b', old: '1', new: undefined },
      { key: 'c', old: undefined, new: '3' },
      { key: '\u00e9', old: 'x', new: undefined },
      { key: '\uFB01', old: undefined, new: 'y' },
    ]);
    expect(diffEntries([], [])).toEqual([]);
  });

  it('tells a value that is absent from one that is present (null, 0, false)', () => {
    expect(diffEntries<unknown>([['n', null], ['z', 0]], [['n', null], ['z', 0], ['f', false]])).toEqual([
      { key: 'f', old: undefined, new: false },
    ]);
  });

  it('compares with the given equality', () => {
    const ci = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
    expect(diffEntries([['k', 'ABC']], [['k', 'abc']], ci)).toEqual([]);
  });
});

describe('diffJsonPointers: arrays of different lengths', () => {
  it('compares the common indexes and reports each added element at its own pointer, with no old', () => {
    expect(diffJsonPointers({ p: [1, 2, 3] }, { p: [1, 2, 9, 4, 5] })).toEqual([
      { pointer: '/p/2', old: 3, new: 9 },
      { pointer: '/p/3', new: 4 },
      { pointer: '/p/4', new: 5 },
    ]);
  });

  it('reports each removed element at its own pointer, with no new', () => {
    expect(diffJsonPointers({ p: [1, 2, 3, { a: 1 }] }, { p: [1] })).toEqual([
      { pointer: '/p/1', old: 2 },
      { pointer: '/p/2', old: 3 },
      { pointer: '/p/3', old: { a: 1 } },
    ]);
  });

  it('an element appended to an empty or nested array, and a whole array added or removed', () => {
    expect(diffJsonPointers([], [null])).toEqual([{ pointer: '/0', new: null }]);
    expect(diffJsonPointers({ a: [[1]] }, { a: [[1, 2]] })).toEqual([{ pointer: '/a/0/1', new: 2 }]);
    expect(diffJsonPointers({}, { a: [1, 2] })).toEqual([{ pointer: '/a', new: [1, 2] }]);
    expect(diffJsonPointers({ a: [1, 2] }, {})).toEqual([{ pointer: '/a', old: [1, 2] }]);
  });

  it('a value that changes kind is one change, and equal values (canonically) none', () => {
    expect(diffJsonPointers({ a: [1] }, { a: { 0: 1 } })).toEqual([{ pointer: '/a', old: [1], new: { 0: 1 } }]);
    expect(diffJsonPointers({ a: 1.0, b: [{ c: -0 }] }, { b: [{ c: 0 }], a: 1 })).toEqual([]);
  });

  it('sorts keys by code point and reads own __proto__ keys as keys', () => {
    const a = JSON.parse('{"__proto__": 1, "b": 1, "\u00e9": 1}') as Record<string, number>;
    const b = JSON.parse('{"__proto__": 2, "b": 2, "\u00e9": 2}') as Record<string, number>;
    expect(diffJsonPointers(a, b).map((c) => c.pointer)).toEqual(['/__proto__', '/b', '/\u00e9']);
  });
});
