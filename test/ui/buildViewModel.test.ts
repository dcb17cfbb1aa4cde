/** The terminal UI's view model: a pure reducer over engine events. */
import { describe, expect, it } from 'vitest';
import type { BuildEvent } from '../../engine/run/event.js';
import {
  addNotice,
  applyEvent,
  applyEvents,
  endBuildView,
  initialBuildView,
  LOG_LINES,
  type BuildViewState,
  type NodeState,
  type TimedEvent,
} from '../../cli/ui/buildViewModel.js';
import { COLLAPSE_OVER, treeRows } from '../../cli/ui/treeRows.js';

const KEY = `sha256:${'a'.repeat(64)}` as const;

/** Applies events one at a time, the `n`th at clock time 1000 + 100·n. */
function reduce(events: BuildEvent[], from: BuildViewState = initialBuildView()): BuildViewState {
  return events.reduce((s, e, i) => applyEvent(s, e, 1000 + 100 * i), from);
}

const start = (nodes: string[], jobs = 2): BuildEvent => ({ type: 'build-start', runId: 'r1', targets: [], nodes, jobs });
const states = (s: BuildViewState) => Object.fromEntries([...s.nodes.values()].map((n) => [n.id, n.state]));

describe('the build view model', () => {
  it('lists datasets in the order of their first node, every node queued', () => {
    const s = reduce([start(['b/fetch', 'a/fetch', 'b/parse', 'a/clip'])]);
    expect(s.phase).toBe('running');
    expect([...s.datasets.keys()]).toEqual(['b', 'a']);
    expect(s.datasets.get('b')!.nodeIds).toEqual(['b/fetch', 'b/parse']);
    expect(s.nodes.get('a/clip')).toMatchObject({ dataset: 'a', task: 'clip', state: 'queued' });
    expect(s.counts).toEqual({ queued: 4, running: 0, cached: 0, done: 0, failed: 0, skipped: 0 });
    expect(s.startedAt).toBe(1000);
  });

  it('follows a successful build: cached, running, done, the version linked, the end', () => {
    const s = reduce([
      start(['a/fetch', 'a/parse', 'b/x']),
      { type: 'node-cached', id: 'b/x', key: KEY },
      { type: 'node-start', id: 'a/fetch', key: KEY, reason: { type: 'no-previous-run' } },
      { type: 'node-done', id: 'a/fetch', key: KEY, outputs: 1, durationMs: 250 },
      { type: 'node-start', id: 'a/parse', key: KEY, reason: { type: 'upstream-changed', upstream: 'a/fetch', old: null, new: KEY } },
      { type: 'node-done', id: 'a/parse', key: KEY, outputs: 2, durationMs: 40 },
      { type: 'dataset-linked', dataset: 'a', datasetVersionId: '2024.0badc0de', paths: 3 },
      { type: 'build-end', runId: 'r1', status: 'succeeded', counts: { executed: 2, cached: 1, failed: 0, skipped: 0 }, durationMs: 700 },
    ]);
    expect(states(s)).toEqual({ 'a/fetch': 'done', 'a/parse': 'done', 'b/x': 'cached' });
    expect(s.nodes.get('a/fetch')).toMatchObject({ durationMs: 250, reason: 'no previous run', startedAt: 1200 });
    expect(s.nodes.get('a/parse')!.reason).toBe(`upstream a/fetch changed: none → ${KEY.slice(0, 19)}`);
    expect(s.datasets.get('a')).toMatchObject({ versionId: '2024.0badc0de', rerunMode: undefined });
    expect(s.datasets.get('a')!.counts).toMatchObject({ done: 2, queued: 0 });
    expect(s.counts).toEqual({ queued: 0, running: 0, cached: 1, done: 2, failed: 0, skipped: 0 });
    expect(s).toMatchObject({ phase: 'ended', status: 'succeeded', durationMs: 700, running: [] });
  });

  it('shows the rerun mode a dataset version was found in', () => {
    const s = reduce([
      start(['a/x']),
      { type: 'node-cached', id: 'a/x', key: KEY },
      { type: 'dataset-version', dataset: 'a', slice: '2024', datasetVersionId: '2024.0badc0de', mode: 'retry', reason: 'same spec and raw inputs', created: false },
      { type: 'receipts-recorded', dataset: 'a', datasetVersionId: '2024.0badc0de', count: 1, firstSeq: 2, lastSeq: 2 },
      { type: 'dataset-linked', dataset: 'a', datasetVersionId: '2024.0badc0de', paths: 3 },
    ]);
    expect(s.datasets.get('a')).toMatchObject({ versionId: '2024.0badc0de', rerunMode: 'retry' });
  });

  it('records a failure with its location, and the skipped dependents with their cause', () => {
    const s = reduce([
      start(['a/bad', 'a/after', 'a/last', 'a/other']),
      { type: 'node-start', id: 'a/bad', key: KEY, reason: { type: 'no-previous-run' } },
      { type: 'node-start', id: 'a/other', key: KEY, reason: { type: 'no-previous-run' } },
      { type: 'node-failed', id: 'a/bad', key: KEY, error: { message: 'expected at least 3 rows,\ngot 2', location: 't.ts:14:11', stack: 'Error: …' } },
      { type: 'node-skipped', id: 'a/after', because: { type: 'upstream-failed', upstream: 'a/bad' } },
      { type: 'node-skipped', id: 'a/last', because: { type: 'upstream-failed', upstream: 'a/bad' } },
      { type: 'node-failed', id: 'a/other', key: null, error: { message: 'interrupted' } },
      { type: 'build-error', message: 'cannot link a', location: { file: 'kfmfile.ts', line: 3, column: 5 } },
      { type: 'build-end', runId: 'r1', status: 'failed', counts: { executed: 0, cached: 0, failed: 2, skipped: 2 }, durationMs: 900 },
    ]);
    expect(states(s)).toEqual({ 'a/bad': 'failed', 'a/after': 'skipped', 'a/last': 'skipped', 'a/other': 'failed' });
    expect(s.nodes.get('a/bad')!.durationMs).toBe(200);
    expect(s.nodes.get('a/after')!.skippedBecause).toEqual({ type: 'upstream-failed', upstream: 'a/bad' });
    expect(s.failures).toEqual([
      { id: 'a/bad', message: 'expected at least 3 rows, got 2', location: 't.ts:14:11' },
      { id: 'a/other', message: 'interrupted', location: undefined },
      { id: undefined, message: 'cannot link a', location: 'kfmfile.ts:3:5' },
    ]);
    expect(s.failureTotal).toBe(3);
    expect(s.status).toBe('failed');
  });

  it('shows a quarantined dataset version as a failure naming its failed checks', () => {
    const s = reduce([
      start(['a/qa']),
      { type: 'node-start', id: 'a/qa', key: KEY, reason: { type: 'no-previous-run' } },
      { type: 'node-done', id: 'a/qa', key: KEY, durationMs: 100, outputs: 1 },
      { type: 'dataset-linked', dataset: 'a', datasetVersionId: '2024.0badc0de', paths: 2 },
      { type: 'dataset-quarantined', dataset: 'a', datasetVersionId: '2024.0badc0de', created: true, failedChecks: [{ node: 'a/qa', name: 'geometry_valid', value: 0.9, threshold: '>= 0.999' }] },
      { type: 'build-end', runId: 'r1', status: 'failed', counts: { executed: 1, cached: 0, failed: 0, skipped: 0 }, durationMs: 300 },
    ]);
    expect(states(s)).toEqual({ 'a/qa': 'done' });
    expect(s.failures).toEqual([{ id: undefined, message: 'quarantined a@2024.0badc0de: QA failed: geometry_valid = 0.9 (>= 0.999)', location: undefined }]);
    expect(s.status).toBe('failed');
  });

  it("keeps a long task's latest progress while it runs, and drops it when it ends", () => {
    const events: BuildEvent[] = [start(['a/fetch']), { type: 'node-start', id: 'a/fetch', key: KEY, reason: { type: 'always' } }];
    for (let done = 0; done <= 10_000_000; done += 1_000_000) events.push({ type: 'node-progress', id: 'a/fetch', done, total: 10_000_000, unit: 'bytes' });
    const running = reduce(events);
    expect(running.running).toEqual(['a/fetch']);
    expect(running.nodes.get('a/fetch')).toMatchObject({ state: 'running', startedAt: 1100, progress: { done: 10_000_000, total: 10_000_000, unit: 'bytes' } });
    const unknownTotal = reduce([{ type: 'node-progress', id: 'a/fetch', done: 42 }], running);
    expect(unknownTotal.nodes.get('a/fetch')!.progress).toEqual({ done: 42, total: undefined, unit: undefined });
    const done = reduce([{ type: 'node-done', id: 'a/fetch', key: KEY, outputs: 1, durationMs: 1234 }], unknownTotal);
    expect(done.nodes.get('a/fetch')).toMatchObject({ state: 'done', progress: undefined, durationMs: 1234 });
    expect(done.running).toEqual([]);
  });

  it(`keeps the last ${LOG_LINES} log lines, each tagged with its node and made one line`, () => {
    const logs: BuildEvent[] = Array.from({ length: 50 }, (_, i) => ({ type: 'node-log', id: `a/t${i % 2}`, level: i === 49 ? 'warn' : 'info', message: `line ${i}` }));
    logs.push({ type: 'node-log', id: 'a/t0', level: 'error', message: '\u001b[31mred\u001b[0m\r\nsecond\tline' });
    const oneByOne = reduce([start(['a/t0', 'a/t1']), ...logs]);
    const batched = applyEvents(initialBuildView(), [start(['a/t0', 'a/t1']), ...logs].map((event) => ({ event, at: 0 })));
    for (const s of [oneByOne, batched]) {
      expect(s.logs.map((l) => `${l.seq} ${l.id} ${l.level} ${l.message}`)).toEqual([
        '43 a/t1 info line 43',
        '44 a/t0 info line 44',
        '45 a/t1 info line 45',
        '46 a/t0 info line 46',
        '47 a/t1 info line 47',
        '48 a/t0 info line 48',
        '49 a/t1 warn line 49',
        '50 a/t0 error red second line',
      ]);
      expect(s.logTotal).toBe(51);
    }
  });

  it('shows a corrupt object and a restored data file as warnings among the log lines', () => {
    const D = `sha256:${'b'.repeat(64)}` as const;
    const s = reduce([
      start(['a/t0']),
      { type: 'object-corrupt', digest: KEY, node: 'a/t0', output: 'out.txt', found: 'corrupt' },
      { type: 'data-file-restored', path: 'processed/a/v/out.txt', digest: KEY, edited: D, keptAt: '/p/.kfm/data-edits/processed/a/v/out.txt.bbbb' },
    ]);
    expect(s.logs.map((l) => `${l.id} ${l.level} ${l.message}`)).toEqual([
      `a/t0 warn store object ${KEY} (a/t0 output "out.txt") is corrupt (its bytes no longer match its digest): moved aside; a/t0 reruns`,
      `data warn data/processed/a/v/out.txt was edited (its bytes hash to ${D}): restored from the store, the edited file kept at /p/.kfm/data-edits/processed/a/v/out.txt.bbbb`,
    ]);
  });

  it('shows who holds the lock until the build starts', () => {
    const waiting = reduce([{ type: 'lock-waiting', holder: 'pid 4242 (kfm build)' }]);
    expect(waiting).toMatchObject({ phase: 'waiting-lock', lockHolder: 'pid 4242 (kfm build)', lockWaitingSince: 1000 });
    expect(reduce([start(['a/x'])], waiting)).toMatchObject({ phase: 'running', lockHolder: undefined, lockWaitingSince: undefined });
  });

  it('never modifies the state it is given', () => {
    const before = reduce([start(['a/x', 'a/y']), { type: 'node-start', id: 'a/x', key: KEY, reason: { type: 'always' } }]);
    const snapshot = structuredClone({ ...before, nodes: [...before.nodes], datasets: [...before.datasets] });
    const after = reduce(
      [
        { type: 'node-progress', id: 'a/x', done: 1, total: 2 },
        { type: 'node-log', id: 'a/x', level: 'info', message: 'hi' },
        { type: 'node-done', id: 'a/x', key: KEY, outputs: 1, durationMs: 5 },
        { type: 'node-failed', id: 'a/y', key: null, error: { message: 'no' } },
        { type: 'dataset-linked', dataset: 'a', datasetVersionId: 'v', paths: 1 },
      ],
      before,
    );
    expect({ ...before, nodes: [...before.nodes], datasets: [...before.datasets] }).toEqual(snapshot);
    expect(after.nodes.get('a/x')!.state).toBe('done');
    expect(applyEvents(before, [])).toBe(before);
  });

  it('keeps the last three notices, one per line', () => {
    let s = addNotice(initialBuildView(), 'one\ntwo\n');
    s = addNotice(s, '\u001b[33mthree\u001b[0m');
    s = addNotice(s, 'four\n');
    expect(s.notices).toEqual(['two', 'three', 'four']);
    expect(addNotice(s, '\n')).toBe(s);
  });

  it('ends a build that stopped without a build-end event', () => {
    const s = endBuildView(reduce([start(['a/x'])]), 5000);
    expect(s).toMatchObject({ phase: 'ended', status: undefined, durationMs: 4000 });
  });

  it('takes a 10,000 node build in frame-sized batches quickly, and collapses its large dataset', () => {
    const ids = Array.from({ length: 10_000 }, (_, i) => `big/t${String(i).padStart(5, '0')}`);
    const t0 = performance.now();
    let s = applyEvent(initialBuildView(), start([...ids, 'small/a', 'small/b'], 8), 0);
    // The reporter applies each frame's events as one batch: here 100 frames of 100 events.
    for (let frame = 0; frame < 100; frame++) {
      const batch: TimedEvent[] = [];
      for (let i = frame * 100; i < frame * 100 + 100; i++) {
        const id = ids[i]!;
        batch.push({ event: i < 9_000 ? { type: 'node-cached', id, key: KEY } : { type: 'node-start', id, key: KEY, reason: { type: 'always' } }, at: frame });
        if (i >= 9_000 && i < 9_997) batch.push({ event: { type: 'node-done', id, key: KEY, outputs: 1, durationMs: 1 }, at: frame });
      }
      s = applyEvents(s, batch);
      treeRows(s, 30);
    }
    expect(performance.now() - t0).toBeLessThan(2_000);
    const count = (state: NodeState) => s.datasets.get('big')!.counts[state];
    expect([count('cached'), count('done'), count('running'), count('queued')]).toEqual([9_000, 997, 3, 0]);
    expect(s.running).toEqual(['big/t09997', 'big/t09998', 'big/t09999']);

    const rows = treeRows(s);
    expect(ids.length).toBeGreaterThan(COLLAPSE_OVER);
    expect(rows.map((r) => (r.type === 'dataset' ? `${r.dataset.slug}${r.summary ? ' (summary)' : ''}` : r.type === 'node' ? `  ${r.node.id}` : 'more'))).toEqual([
      'big (summary)',
      '  big/t09997',
      '  big/t09998',
      '  big/t09999',
      'small',
      '  small/a',
      '  small/b',
    ]);
  });

  it('shows less of the tree rather than more rows than fit', () => {
    const ids: string[] = [];
    for (let d = 0; d < 500; d++) for (let t = 0; t < 20; t++) ids.push(`d${String(d).padStart(3, '0')}/t${t}`);
    let s = applyEvent(initialBuildView(), start(ids, 4), 0);
    s = applyEvents(
      s,
      ids.slice(0, 2_000).map((id) => ({ event: { type: 'node-cached', id, key: KEY }, at: 0 })),
    );
    s = reduce([{ type: 'node-start', id: 'd200/t0', key: KEY, reason: { type: 'always' } }, { type: 'node-failed', id: 'd300/t0', key: null, error: { message: 'x' } }], s);
    const rows = treeRows(s, 10);
    expect(rows.length).toBeLessThanOrEqual(10);
    // The running and failed datasets, and as many others as fit; the rest fold into one line.
    expect(rows.map((r) => (r.type === 'dataset' ? r.dataset.slug : r.type === 'node' ? `  ${r.node.id}` : `more ${r.datasets}`))).toEqual([
      'd000',
      'd001',
      'd002',
      'd003',
      'd004',
      'd005',
      'd200',
      '  d200/t0',
      'd300',
      'more 492',
    ]);
    const more = rows.at(-1)!;
    expect(more.type === 'more' && more.counts).toEqual({ queued: 7_960, running: 0, cached: 1_880, done: 0, failed: 0, skipped: 0 });
  });

  it('lists as many running nodes as fit when more run than the terminal has rows', () => {
    const ids = Array.from({ length: 64 }, (_, i) => `wide/t${i}`);
    let s = applyEvent(initialBuildView(), start([...ids, 'later/a'], 64), 0);
    s = reduce(ids.map((id): BuildEvent => ({ type: 'node-start', id, key: KEY, reason: { type: 'always' } })), s);
    const rows = treeRows(s, 10);
    // The `more` line counts the dataset left out and the 56 running nodes not listed.
    expect(rows.map((r) => (r.type === 'dataset' ? r.dataset.slug : r.type === 'node' ? `  ${r.node.id}` : `more ${r.datasets}`))).toEqual([
      'wide',
      ...ids.slice(0, 8).map((id) => `  ${id}`),
      'more 1',
    ]);
    const more = rows.at(-1)!;
    expect(more.type === 'more' && more.counts).toEqual({ queued: 1, running: 56, cached: 0, done: 0, failed: 0, skipped: 0 });
  });
});

describe('the build view model under --verify-determinism', () => {
  const digestA = `sha256:${'a'.repeat(64)}` as const;
  const digestB = `sha256:${'b'.repeat(64)}` as const;
  it('shows a node that differs as a failure, a declared one and the summary as notices', () => {
    const s = reduce([
      start(['a/x', 'a/y', 'a/z']),
      { type: 'node-determinism', id: 'a/x', deterministic: true, declared: false, differing: [] },
      { type: 'node-determinism', id: 'a/y', deterministic: false, declared: false, differing: [{ name: 'y.json', first: digestA, second: digestB, firstDifference: { line: 2, first: '"t": 1', second: '"t": 2' } }] },
      { type: 'node-determinism', id: 'a/z', deterministic: false, declared: true, differing: [{ name: 'z.txt', first: digestA, second: digestB }] },
      { type: 'determinism-checked', executed: 3, checked: 3, nondeterministic: 2, failing: 1 },
    ]);
    expect(s.failures.map((f) => f.id)).toEqual(['a/y']);
    expect(s.failures[0]!.message).toContain(`y.json: first run ${digestA}, second run ${digestB}`);
    expect(s.failures[0]!.message).toContain('line 2, first run:  "\\"t\\": 1"');
    expect(s.notices).toEqual(['differs  a/z: declared nondeterministic: 1 output differs', 'determinism: 3 nodes checked: 1 nondeterministic, 1 declared nondeterministic']);
  });

  it('says when nothing executed', () => {
    const s = reduce([start(['a/x']), { type: 'determinism-checked', executed: 0, checked: 0, nondeterministic: 0, failing: 0 }]);
    expect(s.notices).toEqual(['determinism: 0 nodes executed: nothing checked']);
  });
});
