import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KfmError } from '../../../core/error.js';
import { MemoryProjectLock } from '../../../store/memory/memoryProjectLock.js';
import { FileProjectLock, type ProjectLock } from '../../../store/projectLock.js';
import { PgProjectLock } from '../../../store/postgres/pgProjectLock.js';
import { freshDatabase, postgresSkipped, usePostgres } from './postgresSubjects.js';

let lockNames = 0;

/** Each opens handles on one project's lock; `pollMs` keeps the file lock's retries short. */
const implementations: { name: string; space(dir: string): () => ProjectLock }[] = [
  { name: 'FileProjectLock', space: (dir) => () => new FileProjectLock(dir) },
  {
    name: 'MemoryProjectLock',
    space: () => {
      const name = `contract-${lockNames++}`;
      return () => new MemoryProjectLock(name);
    },
  },
  ...(postgresSkipped
    ? []
    : [
        {
          name: 'PgProjectLock (PostgreSQL)',
          space: () => {
            const url = freshDatabase();
            return () => new PgProjectLock(url);
          },
        },
      ]),
];

usePostgres();

const POLL = { pollMs: 5 };

async function rejection(p: Promise<unknown>): Promise<KfmError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(KfmError);
    return e as KfmError;
  }
  throw new Error('expected a rejection');
}

describe.each(implementations)('ProjectLock contract: $name', (impl) => {
  let dir: string;
  let handle: () => ProjectLock;
  const open: ProjectLock[] = [];
  const lock = () => {
    const l = handle();
    open.push(l);
    return l;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kfm-lock-contract-'));
    handle = impl.space(dir);
  });
  afterEach(async () => {
    for (const l of open.splice(0)) await l.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a free lock is taken at once, without waiting', async () => {
    const waits: string[] = [];
    await lock().acquire('kfm build', (h) => waits.push(h), POLL);
    expect(waits).toEqual([]);
  });

  it('excludes: a second acquirer is told who holds it, waits, and gets it after release', async () => {
    const a = lock();
    const b = lock();
    await a.acquire('kfm build alpha', () => undefined, POLL);
    const events: string[] = [];
    let told!: () => void;
    const waiting = new Promise<void>((resolve) => (told = resolve));
    const acquired = b
      .acquire(
        'kfm build beta',
        (holder) => {
          events.push(`wait: ${holder.split(' (')[0]}`);
          told();
        },
        POLL,
      )
      .then(() => events.push('b acquired'));
    await waiting;
    events.push('a releases');
    await a.release();
    await acquired;
    expect(events).toEqual(['wait: kfm build alpha', 'a releases', 'b acquired']);

    // Now a waits for b (told before b lets go: a remote lock's first try is a round trip away).
    const waits: string[] = [];
    let aTold!: () => void;
    const aWaiting = new Promise<void>((resolve) => (aTold = resolve));
    const c = a.acquire('kfm build alpha', (h) => (waits.push(h.split(' (')[0]!), aTold()), POLL);
    await aWaiting;
    await b.release();
    await c;
    expect(waits).toEqual(['kfm build beta']);
  });

  it('close releases the lock', async () => {
    const a = lock();
    await a.acquire('kfm build', () => undefined, POLL);
    await a.close();
    const waits: string[] = [];
    await lock().acquire('kfm build', (h) => waits.push(h), POLL);
    expect(waits).toEqual([]);
  });

  it('gives up after timeoutMs, naming the holder, holding nothing', async () => {
    const a = lock();
    await a.acquire('kfm build', () => undefined, POLL);
    const b = lock();
    const e = await rejection(b.acquire('kfm check --update', () => undefined, { ...POLL, timeoutMs: 20 }));
    expect(e.code).toBe('lock');
    expect(e.message).toMatch(/^timed out waiting for the project lock held by kfm build \(.+\)$/);
    await a.release();
    const waits: string[] = [];
    await lock().acquire('kfm build', (h) => waits.push(h), POLL);
    expect(waits).toEqual([]);
  });

  it('stops waiting when its signal aborts, holding nothing', async () => {
    const a = lock();
    await a.acquire('kfm build', () => undefined, POLL);
    const controller = new AbortController();
    const e = await rejection(lock().acquire('kfm build', () => controller.abort(), { ...POLL, signal: controller.signal }));
    expect({ code: e.code, message: e.message }).toEqual({ code: 'interrupted', message: 'interrupted while waiting for the project lock' });
    // An already aborted signal on a busy lock ends the wait too.
    const e2 = await rejection(lock().acquire('kfm build', () => undefined, { ...POLL, signal: AbortSignal.abort() }));
    expect(e2.code).toBe('interrupted');
    // Still held by the first; once released, free.
    const waits: string[] = [];
    let told!: () => void;
    const waiting = new Promise<void>((resolve) => (told = resolve));
    const next = lock().acquire('kfm build', (h) => (waits.push(h.split(' (')[0]!), told()), POLL);
    await waiting;
    await a.release();
    await next;
    expect(waits).toEqual(['kfm build']);
  });

  it('release without holding is a no-op; acquiring a handle that holds the lock is an error', async () => {
    const a = lock();
    await a.release();
    await a.acquire('kfm build', () => undefined, POLL);
    const e = await rejection(a.acquire('kfm build', () => undefined, POLL));
    expect({ code: e.code, message: e.message }).toEqual({ code: 'lock', message: 'this handle already holds the project lock' });
    await a.release();
    await a.release();
    await a.acquire('kfm build', () => undefined, POLL);
  });
});
