import { describe, expect, it } from 'vitest';
import type { Digest } from '../../core/digest.js';
import type { CacheCheck } from '../../engine/schedule/cacheCheck.js';
import { CheckWindow } from '../../engine/schedule/checkWindow.js';

const key = (id: string): Digest => `sha256:${Buffer.from(id).toString('hex').padEnd(64, '0')}`;
const dirty: CacheCheck = { type: 'dirty', reason: { type: 'no-previous-run' } };

/** Checks the test answers by hand, in any order. */
function window() {
  const answers = new Map<string, (c: CacheCheck) => void>();
  const failures = new Map<string, (e: Error) => void>();
  const wakes: number[] = [];
  const sync = new Set<string>();
  const w = new CheckWindow(
    (id) => ({
      key: key(id),
      keyDoc: `doc ${id}`,
      check: sync.has(id)
        ? dirty
        : new Promise<CacheCheck>((resolve, reject) => {
            answers.set(id, resolve);
            failures.set(id, reject);
          }),
    }),
    () => wakes.push(w.inFlight),
  );
  return { w, answers, failures, wakes, sync };
}

const settle = () => new Promise<void>((r) => setImmediate(r));

describe('CheckWindow', () => {
  it('answers a synchronous check at once, with nothing in flight and no wake-up', () => {
    const { w, sync, wakes } = window();
    sync.add('a/x');
    expect(w.answer('a/x')).toEqual({ key: key('a/x'), keyDoc: 'doc a/x', check: dirty });
    expect(w.inFlight).toBe(0);
    expect(wakes).toEqual([]);
  });

  it('keeps each answer for its node whatever order they arrive in, and wakes once per answer', async () => {
    const { w, answers, wakes } = window();
    expect(w.answer('a/1')).toBeUndefined();
    w.ahead(['a/1', 'a/2', 'a/3']);
    expect(w.inFlight).toBe(3);
    const cached = (id: string): CacheCheck => ({ type: 'dirty', reason: { type: 'upstream-pending', upstream: id } });
    answers.get('a/3')!(cached('a/3'));
    answers.get('a/2')!(cached('a/2'));
    await settle();
    expect(wakes).toEqual([2, 1]);
    // The head is still unanswered: a scheduler asking in queue order waits for it.
    expect(w.answer('a/1')).toBeUndefined();
    expect(w.answer('a/3')?.check).toEqual(cached('a/3'));
    answers.get('a/1')!(cached('a/1'));
    await settle();
    expect(wakes).toEqual([2, 1, 0]);
    expect(w.answer('a/1')?.check).toEqual(cached('a/1'));
    expect(w.answer('a/2')?.check).toEqual(cached('a/2'));
  });

  it('starts each check once, and again after `done`', () => {
    let started = 0;
    const w = new CheckWindow(
      (id) => {
        started++;
        return { key: key(id), keyDoc: '', check: dirty };
      },
      () => undefined,
    );
    w.answer('a/1');
    w.ahead(['a/1', 'a/2']);
    w.answer('a/2');
    expect(started).toBe(2);
    w.done('a/1');
    w.answer('a/1');
    expect(started).toBe(3);
  });

  it('rethrows a failed check when its node is asked for', async () => {
    const { w, failures } = window();
    expect(w.answer('a/1')).toBeUndefined();
    failures.get('a/1')!(new Error('state unreachable'));
    await settle();
    expect(w.inFlight).toBe(0);
    expect(() => w.answer('a/1')).toThrow('state unreachable');
  });
});
