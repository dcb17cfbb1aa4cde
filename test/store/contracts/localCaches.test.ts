import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StatEntry } from '../../../core/fs.js';
import type { LocalCaches } from '../../../store/state/localCaches.js';
import { digest, localCaches } from './stateSubjects.js';

const entry = (path: string, size: number): StatEntry => ({
  path,
  dev: 2049,
  ino: 1234567,
  size,
  mtimeMs: 1767225600123.456,
  ctimeMs: 1767225600124.5,
  digest: digest('a'),
  hashedAt: 1767225601000,
});

describe.each(localCaches)('LocalCaches contract: $name', (impl) => {
  let caches: LocalCaches;
  let close: () => void;

  beforeEach(() => {
    const opened = impl.open();
    caches = opened.impl;
    close = opened.close;
  });
  afterEach(() => close());

  it('keeps stat entries by path (a later entry replaces one), fractional times included', () => {
    expect(caches.statCache().size).toBe(0);
    caches.putStatEntries([entry('a.csv', 1), entry('b.csv', 2)]);
    caches.putStatEntries([entry('a.csv', 10)]);
    caches.putStatEntries([]);
    const cache = caches.statCache();
    expect([...cache.keys()].sort()).toEqual(['a.csv', 'b.csv']);
    expect(cache.get('a.csv')).toEqual(entry('a.csv', 10));
    expect(cache.get('b.csv')).toEqual(entry('b.csv', 2));
  });

  it('keeps parsed module imports by digest', () => {
    caches.putModuleImports([
      [digest('1'), ['./a.js', 'node:fs']],
      [digest('2'), []],
    ]);
    caches.putModuleImports([[digest('1'), ['./b.js']]]);
    const imports = caches.moduleImports();
    expect(imports.get(digest('1'))).toEqual(['./b.js']);
    expect(imports.get(digest('2'))).toEqual([]);
    imports.get(digest('1'))!.push('changed');
    expect(caches.moduleImports().get(digest('1'))).toEqual(['./b.js']);
  });

  it('clears both caches (kfm clean), saying how many entries each held', () => {
    caches.putStatEntries([entry('a.csv', 1), entry('b.csv', 2)]);
    caches.putModuleImports([[digest('1'), ['./a.js']]]);
    expect(caches.clearLocalCaches()).toEqual({ statEntries: 2, moduleImports: 1 });
    expect(caches.statCache().size).toBe(0);
    expect(caches.moduleImports().size).toBe(0);
    expect(caches.clearLocalCaches()).toEqual({ statEntries: 0, moduleImports: 0 });
  });
});
