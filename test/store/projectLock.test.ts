import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KfmError } from '../../core/error.js';
import { FileProjectLock } from '../../store/projectLock.js';

let dir: string;
const locks: FileProjectLock[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kfm-lock-'));
});
afterEach(() => {
  for (const l of locks.splice(0)) l.close();
  rmSync(dir, { recursive: true, force: true });
});

function lock(): FileProjectLock {
  const l = new FileProjectLock(dir);
  locks.push(l);
  return l;
}

const HOLDER_RE = (command: string) =>
  new RegExp(`^${command} \\(pid ${process.pid}, since \\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z\\)$`);

async function rejection(p: Promise<unknown>): Promise<KfmError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(KfmError);
    return e as KfmError;
  }
  throw new Error('expected a rejection');
}

describe('FileProjectLock', () => {
  it('is held by one connection at a time', () => {
    const a = lock();
    const b = lock();
    expect(a.tryAcquire('kfm build alpha')).toBe(true);
    expect(b.tryAcquire('kfm build beta')).toBe(false);
    expect(b.describeHolder()).toMatch(HOLDER_RE('kfm build alpha'));
    a.release();
    expect(b.tryAcquire('kfm build beta')).toBe(true);
    expect(a.tryAcquire('kfm build alpha')).toBe(false);
    expect(a.describeHolder()).toMatch(HOLDER_RE('kfm build beta'));
    b.close();
    expect(a.tryAcquire('kfm build alpha')).toBe(true);
  });

  it('acquire() waits for the holder, telling onWait once who it is', async () => {
    const a = lock();
    const b = lock();
    expect(a.tryAcquire('kfm build')).toBe(true);
    const waits: string[] = [];
    const acquired = b.acquire('kfm build again', (holder) => waits.push(holder), { pollMs: 10 });
    await new Promise((r) => setTimeout(r, 60));
    a.release();
    await acquired;
    expect(waits).toHaveLength(1);
    expect(waits[0]).toMatch(HOLDER_RE('kfm build'));
    expect(b.describeHolder()).toMatch(HOLDER_RE('kfm build again'));
  });

  it('acquire() gives up after timeoutMs', async () => {
    const a = lock();
    expect(a.tryAcquire('kfm build')).toBe(true);
    const e = await rejection(lock().acquire('kfm build', () => undefined, { timeoutMs: 30, pollMs: 10 }));
    expect(e.code).toBe('lock');
    expect(e.message).toMatch(/^timed out waiting for the project lock held by kfm build \(pid \d+, since [^)]+\)$/);
  });

  it('acquire() stops waiting when its signal aborts', async () => {
    const a = lock();
    expect(a.tryAcquire('kfm build')).toBe(true);
    const controller = new AbortController();
    const waiting = lock().acquire('kfm build', () => undefined, { pollMs: 10, signal: controller.signal });
    setTimeout(() => controller.abort(), 30);
    const e = await rejection(waiting);
    expect({ code: e.code, message: e.message }).toEqual({ code: 'interrupted', message: 'interrupted while waiting for the project lock' });
    // Still held by the first.
    expect(lock().tryAcquire('kfm build')).toBe(false);
  }, 5_000);

  it('removes lock.holder on release; a holder that never names itself is another kfm process, once', async () => {
    const a = lock();
    expect(a.tryAcquire('kfm build')).toBe(true);
    expect(existsSync(join(dir, 'lock.holder'))).toBe(true);
    a.release();
    expect(existsSync(join(dir, 'lock.holder'))).toBe(false);

    // Taken, and lock.holder not written (the moment between the two, or a holder from before it was written).
    expect(a.tryAcquire('kfm build')).toBe(true);
    rmSync(join(dir, 'lock.holder'));
    const waits: string[] = [];
    let told!: () => void;
    const waiting = new Promise<void>((resolve) => (told = resolve));
    const acquired = lock().acquire('kfm build', (h) => {
      waits.push(h);
      told();
    }, { pollMs: 1 });
    await waiting;
    a.release();
    await acquired;
    expect(waits).toEqual(['another kfm process']);
  });
});
