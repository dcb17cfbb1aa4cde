/** The terminal UI's components, rendered with ink-testing-library (100 columns), ANSI stripped. */
import { cleanup, render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import type { BuildEvent } from '../../engine/run/event.js';
import { BuildView } from '../../cli/ui/BuildView.js';
import { applyEvents, initialBuildView, type BuildViewState } from '../../cli/ui/buildViewModel.js';
import { stripAnsi } from '../support/cliRig.js';

const KEY = `sha256:${'a'.repeat(64)}` as const;
const COLUMNS = 100;

afterEach(() => cleanup());

/** All events at clock time 0, so elapsed times read from `now` alone. */
const view = (events: BuildEvent[]): BuildViewState => applyEvents(initialBuildView(), events.map((event) => ({ event, at: 0 })));

function frame(state: BuildViewState, now: number, rows?: number): string {
  const { lastFrame } = render(<BuildView state={state} now={now} rows={rows} />);
  return stripAnsi(lastFrame() ?? '');
}

const start: BuildEvent = { type: 'build-start', runId: '20250101T000000Z-1a2b3c4d', targets: ['parcels'], nodes: ['parcels/fetch', 'parcels/parse', 'parcels/index', 'roads/fetch'], jobs: 2 };

describe('the build view', () => {
  it('draws a running node with a progress bar at 42%, its elapsed time, and the counts line', () => {
    const state = view([
      start,
      { type: 'node-cached', id: 'roads/fetch', key: KEY },
      { type: 'node-start', id: 'parcels/fetch', key: KEY, reason: { type: 'no-previous-run' } },
      { type: 'node-progress', id: 'parcels/fetch', done: 42, total: 100, unit: 'features' },
      { type: 'node-log', id: 'parcels/fetch', level: 'info', message: 'page 1 of 3' },
    ]);
    expect(frame(state, 3_400)).toBe(
      [
        'kfm build 20250101T000000Z-1a2b3c4d · parcels · 2 jobs',
        '▸ parcels  0/3',
        '  ├─ ▸ fetch  [████████░░░░░░░░░░░░]  42% 42/100 features  3.4s  no previous run',
        '  ├─ · parse',
        '  └─ · index',
        '○ roads  1/1',
        '  └─ ○ fetch  cached',
        'parcels/fetch │ page 1 of 3',
        'building: 1 running, 0 executed, 1 cached, 0 failed, 0 skipped, 2 queued (4 nodes) 3.4s',
      ].join('\n'),
    );
  });

  it('shows bytes in binary units, and a moving marker when the total is unknown', () => {
    const running = (p: Omit<Extract<BuildEvent, { type: 'node-progress' }>, 'type' | 'id'>) =>
      view([start, { type: 'node-start', id: 'parcels/fetch', key: KEY, reason: { type: 'always' } }, { type: 'node-progress', id: 'parcels/fetch', ...p }]);
    expect(frame(running({ done: 4_404_020, total: 10_485_760, unit: 'bytes' }), 0)).toContain('[████████░░░░░░░░░░░░]  42% 4.2 MiB/10.0 MiB  0.0s');
    const unknown = running({ done: 1_234_567, unit: 'rows' });
    const at0 = frame(unknown, 0);
    const at400 = frame(unknown, 400);
    expect(at0).toContain('▸ fetch  [████░░░░░░░░░░░░░░░░] 1,234,567 rows  0.0s');
    expect(at400).toContain('▸ fetch  [░░░░░████░░░░░░░░░░░] 1,234,567 rows  0.4s');
  });

  it('shows a failure with its message and location, the skipped dependents, and the final counts', () => {
    const state = view([
      start,
      { type: 'node-cached', id: 'roads/fetch', key: KEY },
      { type: 'node-start', id: 'parcels/fetch', key: KEY, reason: { type: 'no-previous-run' } },
      { type: 'node-failed', id: 'parcels/fetch', key: KEY, error: { message: 'expected at least 3 rows, got 2', location: 'tasks/fetch.ts:14:11' } },
      { type: 'node-skipped', id: 'parcels/parse', because: { type: 'upstream-failed', upstream: 'parcels/fetch' } },
      { type: 'node-skipped', id: 'parcels/index', because: { type: 'upstream-failed', upstream: 'parcels/fetch' } },
      { type: 'build-end', runId: start.runId, status: 'failed', counts: { executed: 0, cached: 1, failed: 1, skipped: 2 }, durationMs: 1_234 },
    ]);
    expect(frame(state, 99_999)).toBe(
      [
        'kfm build 20250101T000000Z-1a2b3c4d · parcels · 2 jobs',
        '✗ parcels  3/3',
        '  ├─ ✗ fetch  failed after 0.00s',
        '  ├─ – parse  skipped (parcels/fetch failed)',
        '  └─ – index  skipped (parcels/fetch failed)',
        '○ roads  1/1',
        '  └─ ○ fetch  cached',
        '✗ parcels/fetch: expected at least 3 rows, got 2',
        '    at tasks/fetch.ts:14:11',
        'build failed: 0 executed, 1 cached, 1 failed, 2 skipped in 1.23s',
      ].join('\n'),
    );
  });

  it('shows a succeeded build with its dataset version and durations', () => {
    const state = view([
      start,
      { type: 'node-cached', id: 'roads/fetch', key: KEY },
      ...['fetch', 'parse', 'index'].flatMap((t, i): BuildEvent[] => [
        { type: 'node-start', id: `parcels/${t}`, key: KEY, reason: { type: 'no-previous-run' } },
        { type: 'node-done', id: `parcels/${t}`, key: KEY, outputs: 1, durationMs: 1000 + i },
      ]),
      { type: 'dataset-linked', dataset: 'parcels', datasetVersionId: '2024.b268f7ae', paths: 3 },
      { type: 'build-end', runId: start.runId, status: 'succeeded', counts: { executed: 3, cached: 1, failed: 0, skipped: 0 }, durationMs: 3_210 },
    ]);
    const lines = frame(state, 0).split('\n');
    expect(lines.slice(1, 5)).toEqual(['✓ parcels  3/3  version 2024.b268f7ae', '  ├─ ✓ fetch  1.00s', '  ├─ ✓ parse  1.00s', '  └─ ✓ index  1.00s']);
    expect(lines.at(-1)).toBe('build succeeded: 3 executed, 1 cached, 0 failed, 0 skipped in 3.21s');
  });

  it('collapses a large dataset to one summary line and its running nodes', () => {
    const ids = Array.from({ length: 10_000 }, (_, i) => `big/t${i}`);
    const events: BuildEvent[] = [{ ...start, nodes: [...ids, 'small/a'] }];
    for (const id of ids.slice(0, 9_000)) events.push({ type: 'node-cached', id, key: KEY });
    for (const id of ids.slice(9_000, 9_002)) events.push({ type: 'node-start', id, key: KEY, reason: { type: 'always' } });
    events.push({ type: 'node-progress', id: 'big/t9001', done: 5, total: 10 });
    events.push({ type: 'node-failed', id: 'big/t9002', key: null, error: { message: 'bad input' } });
    const lines = frame(view(events), 2_000).split('\n');
    expect(lines.slice(1, 6)).toEqual([
      '✗ big  9,001/10,000  2 running · 9,000 cached · 1 failed · 997 queued',
      '  ├─ ▸ t9000  2.0s  always runs (revalidates its source)',
      '  └─ ▸ t9001  [██████████░░░░░░░░░░]  50% 5/10  2.0s  always runs (revalidates its source)',
      '· small  0/1',
      '  └─ · a',
    ]);
    expect(lines.at(-1)).toBe('building: 2 running, 0 executed, 9,000 cached, 1 failed, 0 skipped, 998 queued (10,001 nodes) 2.0s');
  });

  it('cuts long log lines at the terminal edge and keeps the frame within the terminal height', () => {
    const ids: string[] = [];
    for (let d = 0; d < 60; d++) ids.push(`d${d}/a`, `d${d}/b`);
    const events: BuildEvent[] = [{ ...start, nodes: ids }, { type: 'node-start', id: 'd7/a', key: KEY, reason: { type: 'always' } }];
    events.push({ type: 'node-log', id: 'd7/a', level: 'warn', message: `${'x'.repeat(300)}\nsecond line` });
    const text = frame(view(events), 0, 24);
    const lines = text.split('\n');
    expect(lines.length).toBeLessThan(24);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(COLUMNS);
    expect(lines.at(-2)).toMatch(/^d7\/a │ warn: x+…$/);
    expect(lines.slice(1, -2)).toEqual([
      ...Array.from({ length: 7 }, (_, d) => `· d${d}  0/2  2 queued`),
      '▸ d7  0/2  1 running · 1 queued',
      '  └─ ▸ a  0.0s  always runs (revalidates its source)',
      ...Array.from({ length: 10 }, (_, d) => `· d${d + 8}  0/2  2 queued`),
      '… 42 more datasets: 84 queued',
    ]);
  });

  it('says whose lock it waits for', () => {
    expect(frame(view([{ type: 'lock-waiting', holder: 'kfm build (pid 4242)' }]), 2_500)).toBe(
      ['kfm build', 'waiting for the project lock held by kfm build (pid 4242) (2.5s)'].join('\n'),
    );
  });
});
