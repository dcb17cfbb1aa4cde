import { describe, expect, it } from 'vitest';
import type { Digest } from '../../core/digest.js';
import { COMMIT_GROUP, COMMIT_INTERVAL_MS, ResultCommitter, type ScheduleTimer } from '../../engine/schedule/resultCommitter.js';
import type { NodeResult } from '../../store/state.js';

const digest = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}` as Digest;

function result(n: number): NodeResult {
  return {
    nodeId: `a/n${n}`,
    key: digest(1000 + n),
    keyDoc: '{}',
    outputs: [{ name: 'out.txt', digest: digest(n), size: 1, media_type: 'text/plain' }],
    outputsDigest: digest(2000 + n),
    meta: null,
    runId: 'r1',
    finishedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 0,
  };
}

/** A store whose syncs finish when the test says, a state that records, and timers fired by hand. */
function fakes() {
  const log: string[] = [];
  const syncs: (() => void)[] = [];
  const failSync: { error?: Error } = {};
  const store = {
    flush(digests: Iterable<Digest>): Promise<void> {
      const names = [...digests].map((d) => String(parseInt(d.slice(7), 16)));
      log.push(`sync ${names.join(',')}`);
      if (failSync.error) return Promise.reject(failSync.error);
      return new Promise<void>((resolve) => syncs.push(resolve));
    },
  };
  const state = {
    putResults(results: NodeResult[]): void {
      log.push(`put ${results.map((r) => r.nodeId).join(',')}`);
    },
  };
  const timers: { fn: () => void; ms: number; cancelled: boolean }[] = [];
  const timer: ScheduleTimer = (fn, ms) => {
    const t = { fn, ms, cancelled: false };
    timers.push(t);
    return () => {
      t.cancelled = true;
    };
  };
  const pendingTimers = () => timers.filter((t) => !t.cancelled);
  const fire = () => {
    const t = pendingTimers()[0]!;
    t.cancelled = true;
    t.fn();
  };
  const releaseSync = () => syncs.shift()!();
  return { log, store, state, timer, timers, pendingTimers, fire, releaseSync, failSync };
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('ResultCommitter', () => {
  it('groups of 512 results by default, recorded within 200 ms', () => {
    expect(COMMIT_GROUP).toBe(512);
    expect(COMMIT_INTERVAL_MS).toBe(200);
  });

  it('commits a full group at once: the store is synced for its outputs, then the group is written', async () => {
    const f = fakes();
    const c = new ResultCommitter(f.store, f.state, { group: 3, intervalMs: 50, timer: f.timer });
    c.add(result(1));
    c.add(result(2));
    expect(f.log).toEqual([]);
    expect(f.pendingTimers().map((t) => t.ms)).toEqual([50]);
    c.add(result(3));
    // The third result fills the group: the sync starts now and the timer is cancelled.
    expect(f.log).toEqual(['sync 1,2,3']);
    expect(f.pendingTimers()).toEqual([]);
    expect(c.uncommitted).toBe(0);
    f.releaseSync();
    await settle();
    expect(f.log).toEqual(['sync 1,2,3', 'put a/n1,a/n2,a/n3']);
  });

  it('commits a partial group when its timer fires (one timer per group)', async () => {
    const f = fakes();
    const c = new ResultCommitter(f.store, f.state, { group: 10, timer: f.timer });
    c.add(result(1));
    c.add(result(2));
    expect(f.timers).toHaveLength(1);
    f.fire();
    expect(f.log).toEqual(['sync 1,2']);
    f.releaseSync();
    await c.flush();
    expect(f.log).toEqual(['sync 1,2', 'put a/n1,a/n2']);
  });

  it('runs one commit at a time: results added meanwhile form the next group, in order', async () => {
    const f = fakes();
    const c = new ResultCommitter(f.store, f.state, { group: 2, timer: f.timer });
    c.add(result(1));
    c.add(result(2)); // commit 1 starts
    c.add(result(3));
    c.add(result(4)); // a full group, but commit 1 is still under way
    c.add(result(5));
    expect(f.log).toEqual(['sync 1,2']);
    expect(c.uncommitted).toBe(3);
    const flushed = c.flush();
    f.releaseSync();
    await settle();
    // Commit 1 done; everything added meanwhile goes in the next group.
    expect(f.log).toEqual(['sync 1,2', 'put a/n1,a/n2', 'sync 3,4,5']);
    f.releaseSync();
    await flushed;
    expect(f.log).toEqual(['sync 1,2', 'put a/n1,a/n2', 'sync 3,4,5', 'put a/n3,a/n4,a/n5']);
    expect(c.uncommitted).toBe(0);
    expect(f.pendingTimers()).toEqual([]);
  });

  it('flush commits what is left without waiting for the timer, and does nothing when all is committed', async () => {
    const f = fakes();
    const c = new ResultCommitter(f.store, f.state, { timer: f.timer });
    await c.flush();
    expect(f.log).toEqual([]);
    c.add(result(7));
    const flushed = c.flush();
    expect(f.pendingTimers()).toEqual([]);
    f.releaseSync();
    await flushed;
    expect(f.log).toEqual(['sync 7', 'put a/n7']);
  });

  it('a failed commit is reported by flush, not lost in the background', async () => {
    const f = fakes();
    const c = new ResultCommitter(f.store, f.state, { group: 1, timer: f.timer });
    f.failSync.error = new Error('disk full');
    c.add(result(1));
    await settle();
    f.failSync.error = undefined;
    c.add(result(2));
    f.releaseSync();
    await expect(c.flush()).rejects.toThrow('disk full');
    // The group after the failure was still written.
    expect(f.log).toEqual(['sync 1', 'sync 2', 'put a/n2']);
  });
});
