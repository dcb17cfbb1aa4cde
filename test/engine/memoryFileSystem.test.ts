import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeFileSystem } from '../../core/fs.js';
import { MemoryFileSystem } from '../support/memoryFileSystem.js';

/** The fake must glob as the real file system (fast-glob) does, or engine tests prove little. */
const FILES = [
  'a.txt',
  'b.csv',
  '.hidden.txt',
  'in/x.txt',
  'in/y.txt',
  'in/.dot/z.txt',
  'in/sub/deep/w.txt',
  'in/sub/v.csv',
  'data/2017/counties.geojson',
  'data/2018/counties.geojson',
  'data/é/ünïcode.txt',
  'data/[1].txt',
];
const PATTERNS = [
  '*.txt',
  'in/*.txt',
  'in/**/*.txt',
  '**/*.csv',
  'data/*/counties.geojson',
  'data/201[78]/*.geojson',
  '{a,b}.*',
  'in/sub/**',
  'data/é/*.txt',
  'in/?.txt',
  'nothing/*.txt',
];

let dir: string;
const mem = new MemoryFileSystem();
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kfm-memfs-'));
  for (const f of FILES) {
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    writeFileSync(join(dir, f), f);
    mem.write(`/proj/${f}`, f);
  }
  mem.write('/elsewhere/in/x.txt', 'outside the cwd');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('MemoryFileSystem', () => {
  it.each(PATTERNS)('globs %s as fast-glob does', (pattern) => {
    expect(mem.glob([pattern], '/proj')).toEqual(nodeFileSystem.glob([pattern], dir));
  });

  it('counts content reads per path, not stats', () => {
    const fs = new MemoryFileSystem();
    fs.write('/p/a', 'x');
    fs.stat('/p/a');
    fs.hash('/p/a');
    fs.readFile('/p/a');
    fs.contentOf('/p/a');
    expect(Object.fromEntries(fs.reads)).toEqual({ '/p/a': 2 });
  });

  it('stamps writes with the clock and keeps the inode unless replaced', () => {
    const fs = new MemoryFileSystem(1000);
    fs.write('/p/a', 'x');
    const a = fs.stat('/p/a')!;
    expect(a).toMatchObject({ size: 1, mtimeMs: 1001, ctimeMs: 1001 });
    fs.write('/p/a', 'yy');
    expect(fs.stat('/p/a')).toMatchObject({ ino: a.ino, size: 2, mtimeMs: 1002 });
    fs.write('/p/a', 'zz', { newInode: true, advanceMs: 0 });
    expect(fs.stat('/p/a')!.ino).not.toBe(a.ino);
    expect(fs.stat('/p/a')!.mtimeMs).toBe(1002);
    expect(fs.stat('/p/missing')).toBeUndefined();
    expect(() => fs.hash('/p/missing')).toThrow(/ENOENT/);
  });
});
