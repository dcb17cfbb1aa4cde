import { afterEach, describe, expect, it } from 'vitest';
import { dataset, defineKfm, task } from '../../api/index.js';
import { sha256 } from '../../core/digest.js';
import { FileHasher, RACY_MARGIN_MS } from '../../engine/keys/fileHasher.js';
import { type StatEntry } from '../../core/fs.js';
import { EngineRig } from '../support/engineRig.js';
import { MemoryFileSystem } from '../support/memoryFileSystem.js';
import { testSpec } from '../support/testSpec.js';
import { concatTask } from '../support/textTasks.js';

const F = '/proj/in/data.txt';

/** One "run": a hasher over the persisted stat cache; returns the digest and whether it read. */
function run(fs: MemoryFileSystem, cache: Map<string, StatEntry>) {
  const hasher = new FileHasher(fs, new Map(cache));
  const digest = hasher.digest(F);
  for (const e of hasher.updatedEntries()) cache.set(e.path, e);
  return { digest, read: hasher.reads };
}

describe('FileHasher: the stat cache', () => {
  it('re-reads a file whose mtime is too close to the hash (racy git)', () => {
    const fs = new MemoryFileSystem();
    const cache = new Map<string, StatEntry>();
    fs.write(F, 'AAAA');
    expect(run(fs, cache)).toEqual({ digest: sha256('AAAA'), read: 1 });
    // Same size, same inode, in the same timestamp tick: the stat is unchanged.
    const before = fs.stat(F);
    fs.write(F, 'BBBB', { advanceMs: 0 });
    expect(fs.stat(F)).toEqual(before);
    expect(run(fs, cache)).toEqual({ digest: sha256('BBBB'), read: 1 });
  });

  it('trusts an mtime older than the hash by more than the margin, and only then', () => {
    for (const [gap, trusted] of [
      [RACY_MARGIN_MS + 1, true],
      [RACY_MARGIN_MS, false],
      [RACY_MARGIN_MS - 1, false],
      [0, false],
    ] as const) {
      const fs = new MemoryFileSystem();
      const cache = new Map<string, StatEntry>();
      fs.write(F, 'AAAA');
      fs.advance(gap);
      expect(run(fs, cache).read).toBe(1);
      expect(cache.get(F)!.hashedAt - cache.get(F)!.mtimeMs).toBe(gap);
      fs.advance(10_000);
      expect(run(fs, cache), `gap ${gap}`).toEqual({ digest: sha256('AAAA'), read: trusted ? 0 : 1 });
    }
  });

  it('an untrusted entry becomes trusted once re-hashed later', () => {
    const fs = new MemoryFileSystem();
    const cache = new Map<string, StatEntry>();
    fs.write(F, 'AAAA');
    expect(run(fs, cache).read).toBe(1);
    fs.advance(1000);
    expect(run(fs, cache).read).toBe(1);
    expect(run(fs, cache).read).toBe(0);
  });

  it('any change of size, mtime, ctime or inode is a re-read', () => {
    const fs = new MemoryFileSystem();
    const cache = new Map<string, StatEntry>();
    fs.write(F, 'AAAA');
    fs.advance(1000);
    run(fs, cache);
    fs.write(F, 'AAAAA', { advanceMs: 0 }); // size only
    expect(run(fs, cache)).toEqual({ digest: sha256('AAAAA'), read: 1 });
    fs.advance(1000);
    run(fs, cache);
    fs.write(F, 'CCCCC', { newInode: true, advanceMs: 0 }); // inode only
    expect(run(fs, cache)).toEqual({ digest: sha256('CCCCC'), read: 1 });
    fs.advance(1000);
    run(fs, cache);
    fs.touch(F);
    expect(run(fs, cache)).toEqual({ digest: sha256('CCCCC'), read: 1 });
  });

  it('within one run, a file is read once', () => {
    const fs = new MemoryFileSystem();
    fs.write(F, 'AAAA');
    const hasher = new FileHasher(fs, new Map());
    hasher.digest(F);
    hasher.digest(F);
    expect(hasher.reads).toBe(1);
    expect(fs.reads.get(F)).toBe(1);
  });

  it('a missing file is a kfmfile error naming the shown path', () => {
    const hasher = new FileHasher(new MemoryFileSystem(), new Map());
    expect(() => hasher.digest('/proj/in/gone.txt', 'in/gone.txt')).toThrowError('input file in/gone.txt does not exist');
  });
});

describe('racy git through the whole engine', () => {
  let rig: EngineRig | undefined;
  afterEach(() => rig?.close());

  it('an input rewritten in the same tick as the build that hashed it reruns its node next build', async () => {
    rig = new EngineRig();
    rig.task('tasks/concat.ts', concatTask(rig.fs), '// concat\n');
    rig.config = defineKfm({ datasets: [dataset(testSpec('r'), [task('read', { run: './tasks/concat.ts', inputs: ['in/data.txt'] })])] });
    rig.write('in/data.txt', 'AAAA\n');
    const first = await rig.build({ advanceClockMs: 0 });
    expect(first.started).toEqual(['r/read']);

    rig.write('in/data.txt', 'BBBB\n', { advanceMs: 0 });
    const second = await rig.build({ advanceClockMs: 0 });
    expect(second.started).toEqual(['r/read']);
    expect(rig.output('r/read', 'out.txt').toString()).toContain('BBBB');
    expect(second.node('r/read').key).not.toBe(first.node('r/read').key);
  });
});
