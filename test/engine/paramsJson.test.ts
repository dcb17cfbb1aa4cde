/**
 * Task params are JSON or the kfmfile is rejected at analysis (item: non-JSON params), and a
 * task gets its params in canonical (JCS, key-sorted) order, the order its key hashes.
 */
import { describe, expect, it } from 'vitest';
import { dataset, defineKfm, task, type KfmConfig } from '../../api/index.js';
import { analyze } from '../../engine/graph/analyze.js';
import { nonJsonAt } from '../../engine/graph/nonJsonAt.js';
import { KfmError } from '../../core/error.js';
import { KFMFILE } from '../support/engineRig.js';
import { MemoryFileSystem } from '../support/memoryFileSystem.js';
import { testSpec } from '../support/testSpec.js';

function memFs(): MemoryFileSystem {
  const fs = new MemoryFileSystem();
  fs.write('/proj/tasks/t.ts', '// t\n');
  return fs;
}

const config = (params: unknown): KfmConfig =>
  defineKfm({ datasets: [dataset(testSpec('a'), [task('b', { run: './tasks/t.ts', params: params as never })])] });

function analyzeError(params: unknown): string {
  try {
    analyze(config(params), KFMFILE, memFs());
  } catch (e) {
    if (e instanceof KfmError) return `${e.code}: ${e.message}`;
    throw e;
  }
  throw new Error('analyze accepted the params');
}

class Point {
  x = 1;
}
const circular: Record<string, unknown> = { a: 1 };
circular.self = circular;

describe('params that are not JSON: one located kfmfile error naming the JSON pointer', () => {
  it.each<[string, unknown, string]>([
    ['undefined', { u: undefined }, '/u: undefined'],
    ['a function', { f: () => 1 }, '/f: a function'],
    ['a Date', { when: new Date(0) }, '/when: a Date'],
    ['a Map', { m: new Map() }, '/m: a Map'],
    ['a Set', { s: new Set([1]) }, '/s: a Set'],
    ['a BigInt', { n: 10n }, '/n: a BigInt (10n)'],
    ['NaN', { n: NaN }, '/n: NaN'],
    ['Infinity', { n: -Infinity }, '/n: -Infinity'],
    ['a class instance', { p: new Point() }, '/p: an instance of Point'],
    ['a circular reference', circular, '/self: a circular reference'],
    ['a symbol', { s: Symbol('x') }, '/s: a symbol'],
    ['deep in arrays, with pointer escapes', { 'a/b': [{ '~': [1, undefined] }] }, '/a~1b/0/~0/1: undefined'],
    ['a hole in an array', { h: [1, , 3] }, '/h/1: a hole in an array'],
  ])('%s', (_name, params, where) => {
    expect(analyzeError(params)).toBe(`kfmfile: params of task "a/b" are not JSON at ${where}`);
  });

  it('plain JSON (null-prototype objects too) passes', () => {
    expect(nonJsonAt({ a: [1, 'x', null, true, { b: Object.create(null) as object }] })).toBeUndefined();
  });

  it('a shared (not circular) object is fine', () => {
    const shared = { x: 1 };
    expect(nonJsonAt({ a: shared, b: [shared] })).toBeUndefined();
  });
});

describe('params reach tasks in canonical order', () => {
  it('the graph node carries key-sorted params whatever the kfmfile order', () => {
    const a = analyze(config({ z: 1, a: { y: 2, b: [{ d: 1, c: 2 }] } }), KFMFILE, memFs());
    const b = analyze(config({ a: { b: [{ c: 2, d: 1 }], y: 2 }, z: 1 }), KFMFILE, memFs());
    const pa = a.nodes.get('a/b')!.params;
    expect(JSON.stringify(pa)).toBe('{"a":{"b":[{"c":2,"d":1}],"y":2},"z":1}');
    expect(JSON.stringify(b.nodes.get('a/b')!.params)).toBe(JSON.stringify(pa));
  });
});
