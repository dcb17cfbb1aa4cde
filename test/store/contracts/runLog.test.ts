import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KfmError } from '../../../core/error.js';
import type { RunLog } from '../../../store/state/runLog.js';
import { runLogs } from './stateSubjects.js';
import { usePostgres } from './postgresSubjects.js';

usePostgres();

async function kfmError(p: () => unknown): Promise<{ code: string; message: string }> {
  try {
    await p();
  } catch (e) {
    expect(e).toBeInstanceOf(KfmError);
    return { code: (e as KfmError).code, message: (e as KfmError).message };
  }
  throw new Error('expected a KfmError');
}

const T = (s: number) => `2026-01-01T00:00:${String(s).padStart(2, '0')}.000Z`;

describe.each(runLogs)('RunLog contract: $name', (impl) => {
  let log: RunLog;
  let close: () => unknown;

  beforeEach(() => {
    const opened = impl.open();
    log = opened.impl;
    close = opened.close;
  });
  afterEach(() => close());

  it('records a run as running, then how it ended and what it did per node', async () => {
    await log.beginRun({ runId: 'r1', startedAt: T(0), targets: ['ks', 'ne@2020'], jobs: 2 });
    expect(await log.runs()).toEqual([{ runId: 'r1', startedAt: T(0), endedAt: null, targets: ['ks', 'ne@2020'], jobs: 2, status: 'running' }]);
    await log.endRun('r1', T(5), 'failed', [
      { nodeId: 'ks/b', status: 'failed', key: null, error: 'boom' },
      { nodeId: 'ks/a', status: 'executed', key: 'sha256:aa', error: null },
      { nodeId: 'ks/c', status: 'skipped', key: null, error: null },
    ]);
    expect(await log.runs()).toEqual([{ runId: 'r1', startedAt: T(0), endedAt: T(5), targets: ['ks', 'ne@2020'], jobs: 2, status: 'failed' }]);
    expect(await log.runNodes('r1')).toEqual([
      { nodeId: 'ks/a', status: 'executed', key: 'sha256:aa', error: null },
      { nodeId: 'ks/b', status: 'failed', key: null, error: 'boom' },
      { nodeId: 'ks/c', status: 'skipped', key: null, error: null },
    ]);
    expect(await log.runNodes('unknown')).toEqual([]);
  });

  it('a node recorded twice keeps the later record', async () => {
    await log.beginRun({ runId: 'r1', startedAt: T(0), targets: [], jobs: 1 });
    await log.endRun('r1', T(1), 'succeeded', [
      { nodeId: 'n', status: 'failed', key: null, error: 'first' },
      { nodeId: 'n', status: 'cached', key: 'sha256:bb', error: null },
    ]);
    expect(await log.runNodes('r1')).toEqual([{ nodeId: 'n', status: 'cached', key: 'sha256:bb', error: null }]);
  });

  it('refuses a run id twice, and ending a run never begun (recording nothing)', async () => {
    await log.beginRun({ runId: 'r1', startedAt: T(0), targets: [], jobs: 1 });
    expect(await kfmError(() => log.beginRun({ runId: 'r1', startedAt: T(1), targets: [], jobs: 1 }))).toEqual({
      code: 'state',
      message: 'run r1 is already recorded',
    });
    expect(await kfmError(() => log.endRun('r9', T(2), 'succeeded', [{ nodeId: 'n', status: 'executed', key: null, error: null }]))).toEqual({
      code: 'state',
      message: 'cannot end run r9: it was never begun',
    });
    expect(await log.runNodes('r9')).toEqual([]);
    expect((await log.runs()).map((r) => r.runId)).toEqual(['r1']);
  });

  it('closes runs a killed kfm left running, and only those', async () => {
    await log.beginRun({ runId: 'r1', startedAt: T(0), targets: [], jobs: 1 });
    await log.beginRun({ runId: 'r2', startedAt: T(1), targets: ['a'], jobs: 2 });
    await log.endRun('r2', T(2), 'succeeded', []);
    expect(await log.closeAbandonedRuns(T(3))).toBe(1);
    const byId = new Map((await log.runs()).map((r) => [r.runId, r]));
    expect(byId.get('r1')).toMatchObject({ status: 'interrupted', endedAt: T(3) });
    expect(byId.get('r2')).toMatchObject({ status: 'succeeded', endedAt: T(2) });
    expect(await log.closeAbandonedRuns(T(4))).toBe(0);
  });

  it('lists the newest runs first (ties: the later recorded first), at most limit', async () => {
    await log.beginRun({ runId: 'old', startedAt: T(1), targets: [], jobs: 1 });
    await log.beginRun({ runId: 'newest', startedAt: T(9), targets: [], jobs: 1 });
    await log.beginRun({ runId: 'tie-first', startedAt: T(5), targets: [], jobs: 1 });
    await log.beginRun({ runId: 'tie-second', startedAt: T(5), targets: [], jobs: 1 });
    expect((await log.runs()).map((r) => r.runId)).toEqual(['newest', 'tie-second', 'tie-first', 'old']);
    expect((await log.runs(2)).map((r) => r.runId)).toEqual(['newest', 'tie-second']);
    for (let i = 0; i < 25; i++) await log.beginRun({ runId: `x${i}`, startedAt: T(10 + i), targets: [], jobs: 1 });
    expect(await log.runs()).toHaveLength(20);
  });

  it('hands out copies', async () => {
    await log.beginRun({ runId: 'r1', startedAt: T(0), targets: ['a'], jobs: 1 });
    (await log.runs())[0]!.targets.push('changed');
    expect((await log.runs())[0]!.targets).toEqual(['a']);
  });
});
