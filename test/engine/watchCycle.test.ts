/** What a change arriving during a watch cycle's build does (WatchCycle.notice): which `watch-pending` events, and whether the build is interrupted. */
import { describe, expect, it } from 'vitest';
import type { BuildEvent } from '../../engine/run/event.js';
import { WatchCycle } from '../../engine/watch/watchCycle.js';
import type { Digest } from '../../core/digest.js';

const KEY = 'sha256:0' as Digest;

function cycle(): { c: WatchCycle; events: BuildEvent[] } {
  const events: BuildEvent[] = [];
  return { c: new WatchCycle((e) => events.push(e)), events };
}

const touched = (nodes: string[], kfmfile = false) => ({ kfmfile, nodes: new Set(nodes) });
const pending = (events: BuildEvent[]) => events.filter((e) => e.type === 'watch-pending');

function started(c: WatchCycle): void {
  c.track({ type: 'build-start', runId: 'r', targets: [], nodes: ['a/x', 'a/y', 'b/z'], jobs: 1 });
}

describe('a change during a watch cycle', () => {
  it('interrupts a build that has not started (no key is computed yet)', () => {
    const { c, events } = cycle();
    c.notice(touched(['a/x']), () => ['x.csv']);
    expect(events).toEqual([{ type: 'watch-pending', paths: ['x.csv'], interrupt: true }]);
    expect(c.abort.signal.aborted).toBe(true);
  });

  it('interrupts for the kfmfile, or a node in scope not yet finished', () => {
    for (const t of [touched([], true), touched(['a/y'])]) {
      const { c, events } = cycle();
      started(c);
      c.track({ type: 'node-done', id: 'a/x', key: KEY, outputs: 1, durationMs: 0 });
      c.notice(t, () => ['f']);
      expect(pending(events)).toEqual([{ type: 'watch-pending', paths: ['f'], interrupt: true }]);
      expect(c.abort.signal.aborted).toBe(true);
    }
  });

  it('lets the build finish when only finished nodes, or nodes out of scope, are touched; says so once', () => {
    const { c, events } = cycle();
    started(c);
    c.track({ type: 'node-cached', id: 'a/x', key: KEY });
    c.notice(touched(['a/x']), () => ['x.csv']);
    c.notice(touched(['c/out']), () => ['x.csv', 'z.csv']);
    expect(pending(events)).toEqual([{ type: 'watch-pending', paths: ['x.csv'], interrupt: false }]);
    expect(c.abort.signal.aborted).toBe(false);
    // A later change that makes it stale still interrupts it, once.
    c.notice(touched(['b/z']), () => ['x.csv', 'z.csv']);
    c.notice(touched([], true), () => ['kfmfile.ts', 'x.csv', 'z.csv']);
    expect(pending(events)).toEqual([
      { type: 'watch-pending', paths: ['x.csv'], interrupt: false },
      { type: 'watch-pending', paths: ['x.csv', 'z.csv'], interrupt: true },
    ]);
    expect(c.abort.signal.aborted).toBe(true);
  });

  it('passes the build events on, in order', () => {
    const { c, events } = cycle();
    started(c);
    c.track({ type: 'node-cached', id: 'a/x', key: KEY });
    expect(events.map((e) => e.type)).toEqual(['build-start', 'node-cached']);
    expect(c.interrupted(undefined)).toBe(false);
  });
});
