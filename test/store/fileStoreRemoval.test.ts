/** FileContentStore's gc operations: remove (one object, whole or gone) and sweepTempBefore (temp files older than a time). */
import { mkdtempSync, mkdirSync, rmSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileContentStore } from '../../store/contentStore.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function store(): FileContentStore {
  const dir = mkdtempSync(join(tmpdir(), 'kfm-store-gc-'));
  dirs.push(dir);
  return new FileContentStore(join(dir, 'store'));
}

describe('FileContentStore removal', () => {
  it('remove: the object is gone (has false, size returned), other objects untouched, a second remove says it was not there', async () => {
    const s = store();
    const a = await s.put(Buffer.from('alpha'));
    const b = await s.put(Buffer.from('beta!'));
    expect(await s.sizeOf(a.digest)).toBe(5);
    expect(await s.remove(a.digest)).toBe(5);
    expect(await s.has(a.digest)).toBe(false);
    expect(await s.check(b.digest)).toBe('ok');
    expect(await s.remove(a.digest)).toBeUndefined();
    expect(await s.sizeOf(a.digest)).toBeUndefined();
    const left: string[] = [];
    for await (const d of s.digests()) left.push(d);
    expect(left).toEqual([b.digest]);
  });

  it('sweepTempBefore: counts (dry) or removes only temp files written before the time', () => {
    const s = store();
    const tmp = join(s.root, 'tmp');
    mkdirSync(join(tmp, '1-0'), { recursive: true });
    mkdirSync(join(tmp, '2-0'), { recursive: true });
    writeFileSync(join(tmp, '1-0', 'old'), '1234');
    writeFileSync(join(tmp, '2-0', 'new'), '12');
    const now = Date.now();
    utimesSync(join(tmp, '1-0', 'old'), now / 1000 - 60, now / 1000 - 60);
    utimesSync(join(tmp, '2-0', 'new'), now / 1000 + 60, now / 1000 + 60);
    expect(s.sweepTempBefore(now, false)).toEqual({ files: 1, bytes: 4 });
    expect(existsSync(join(tmp, '1-0', 'old'))).toBe(true);
    expect(s.sweepTempBefore(now, true)).toEqual({ files: 1, bytes: 4 });
    expect(existsSync(join(tmp, '1-0'))).toBe(false);
    expect(existsSync(join(tmp, '2-0', 'new'))).toBe(true);
  });
});
