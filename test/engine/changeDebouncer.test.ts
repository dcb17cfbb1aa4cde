/** How watch mode coalesces changes into cycles (ChangeDebouncer), on a ManualClock: which batches come out, never how long anything took. */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/manualClock.js';
import { ChangeDebouncer } from '../../engine/watch/changeDebouncer.js';

const DEBOUNCE = 120;

function setup(): { clock: ManualClock; d: ChangeDebouncer } {
  const clock = new ManualClock();
  return { clock, d: new ChangeDebouncer(DEBOUNCE, clock) };
}

describe('change debouncing', () => {
  it('has nothing to wait for, and no batch, before any change', () => {
    const { clock, d } = setup();
    clock.advance(10_000);
    expect(d.dueIn()).toBeUndefined();
    expect(d.take()).toBeUndefined();
  });

  it('makes one batch of a burst, due once no change has come for the debounce period', () => {
    const { clock, d } = setup();
    d.add('/p/a.csv');
    clock.advance(50);
    d.add('/p/b.csv');
    d.add('/p/a.csv');
    expect(d.dueIn()).toBe(DEBOUNCE);
    clock.advance(DEBOUNCE - 1);
    expect(d.dueIn()).toBe(1);
    expect(d.take()).toBeUndefined();
    clock.advance(1);
    expect(d.dueIn()).toBe(0);
    expect(d.take()).toEqual(['/p/a.csv', '/p/b.csv']);
    // Taken: the next batch starts empty.
    expect(d.pending.size).toBe(0);
    expect(d.take()).toBeUndefined();
    expect(d.dueIn()).toBeUndefined();
  });

  it('makes separate batches of changes a quiet period apart', () => {
    const { clock, d } = setup();
    const batches: string[][] = [];
    const tick = (ms: number) => {
      clock.advance(ms);
      const b = d.take();
      if (b) batches.push(b);
    };
    d.add('/p/a');
    tick(DEBOUNCE);
    d.add('/p/b');
    tick(60);
    d.add('/p/c');
    tick(60);
    tick(60);
    d.add('/p/d');
    tick(DEBOUNCE * 10);
    expect(batches).toEqual([['/p/a'], ['/p/b', '/p/c'], ['/p/d']]);
  });

  it('holds the batch while glob candidates are unchecked: one of them may belong in it', () => {
    const { clock, d } = setup();
    d.add('/p/a');
    d.addCandidate('/p/in/new.csv');
    clock.advance(DEBOUNCE * 5);
    expect(d.dueIn()).toBeUndefined();
    expect(d.take()).toBeUndefined();
    const { paths } = d.takeCandidates();
    expect(paths).toEqual(['/p/in/new.csv']);
    expect(d.candidates).toBe(0);
    // The candidate did not match: the held batch is due at once.
    expect(d.take()).toEqual(['/p/a']);
  });

  it('counts a candidate that matched from when it arrived, not from its check', () => {
    const { clock, d } = setup();
    clock.advance(1000);
    d.addCandidate('/p/in/x.csv');
    clock.advance(40);
    d.addCandidate('/p/in/y.csv');
    clock.advance(DEBOUNCE);
    const { paths, at } = d.takeCandidates();
    expect(paths).toEqual(['/p/in/x.csv', '/p/in/y.csv']);
    expect(at).toBe(1040);
    for (const p of paths) d.add(p, at);
    expect(d.dueIn()).toBe(0);
    expect(d.take()).toEqual(['/p/in/x.csv', '/p/in/y.csv']);
  });

  it('never lets an older time shorten the quiet period', () => {
    const { clock, d } = setup();
    d.addCandidate('/p/in/x.csv');
    clock.advance(100);
    d.add('/p/a');
    const { at } = d.takeCandidates();
    d.add('/p/in/x.csv', at);
    expect(d.dueIn()).toBe(DEBOUNCE);
  });
});
