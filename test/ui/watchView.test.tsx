/** Watch mode in the terminal UI and the plain reporter: the watcher's lines around each cycle's build. */
import { cleanup, render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import type { BuildEvent } from '../../engine/run/event.js';
import { BuildView } from '../../cli/ui/BuildView.js';
import { applyEvents, initialBuildView, type BuildViewState } from '../../cli/ui/buildViewModel.js';
import { JsonReporter } from '../../cli/reporters/jsonReporter.js';
import { PlainReporter } from '../../cli/reporters/plainReporter.js';
import { stripAnsi } from '../support/cliRig.js';

const KEY = `sha256:${'a'.repeat(64)}` as const;

afterEach(() => cleanup());

const view = (events: BuildEvent[]): BuildViewState => applyEvents(initialBuildView(), events.map((event) => ({ event, at: 0 })));

function frame(state: BuildViewState, now = 0): string {
  const { lastFrame } = render(<BuildView state={state} now={now} />);
  return stripAnsi(lastFrame() ?? '');
}

const start: BuildEvent = { type: 'build-start', runId: 'r2', targets: ['a'], nodes: ['a/x', 'a/y'], jobs: 2 };
const end: BuildEvent = { type: 'build-end', runId: 'r2', status: 'succeeded', counts: { executed: 1, cached: 1, failed: 0, skipped: 0 }, durationMs: 120 };

describe('watch mode in the build view', () => {
  it('between cycles, the frame is the watcher line', () => {
    expect(frame(view([{ type: 'watch-waiting', files: 12, patterns: 1 }]))).toBe('watch: waiting for changes (12 files, 1 glob; Ctrl-C to quit)');
    expect(frame(view([{ type: 'watch-waiting', files: 1, patterns: 0 }]))).toBe('watch: waiting for changes (1 file; Ctrl-C to quit)');
  });

  it('puts the change a cycle is for above its build, and keeps it in the final frame', () => {
    const state = view([
      { type: 'watch-waiting', files: 3, patterns: 0 },
      { type: 'watch-change', paths: ['tasks/x.ts'] },
      start,
      { type: 'node-cached', id: 'a/y', key: KEY },
      { type: 'node-start', id: 'a/x', key: KEY, reason: { type: 'no-previous-run' } },
      { type: 'node-done', id: 'a/x', key: KEY, outputs: 1, durationMs: 100 },
      end,
    ]);
    expect(frame(state)).toBe(
      [
        'watch: change in tasks/x.ts; rebuilding',
        'kfm build r2 · a · 2 jobs',
        '✓ a  2/2',
        '  ├─ ✓ x  0.10s',
        '  └─ ○ y  cached',
        'build succeeded: 1 executed, 1 cached, 0 failed, 0 skipped in 0.12s',
      ].join('\n'),
    );
  });

  it('shows a change during the build above the counts line, naming at most three files', () => {
    const state = view([
      start,
      { type: 'node-start', id: 'a/x', key: KEY, reason: { type: 'no-previous-run' } },
      { type: 'watch-pending', paths: ['a.csv', 'b.csv', 'c.csv', 'd.csv', 'e.csv'], interrupt: true },
    ]);
    expect(frame(state).split('\n').slice(-2)).toEqual([
      'watch: change in a.csv, b.csv, c.csv and 2 more; interrupting the build',
      'building: 1 running, 0 executed, 0 cached, 0 failed, 0 skipped, 1 queued (2 nodes) 0.0s',
    ]);
  });

  it('shows a kfmfile that does not load, with where', () => {
    const state = view([
      { type: 'watch-change', paths: ['kfmfile.ts'] },
      { type: 'watch-error', code: 'kfmfile', message: 'syntax error: Expression expected', location: { file: 'kfmfile.ts', line: 10, column: 18 } },
    ]);
    expect(frame(state)).toBe(['watch: change in kfmfile.ts; rebuilding', '✗ kfm: syntax error: Expression expected', '    at kfmfile.ts:10:18'].join('\n'));
  });
});

describe('watch mode in the plain and JSON reporters', () => {
  it('plain: one line per watch event; a kfmfile error on stderr as kfm build prints it', () => {
    const out: string[] = [];
    const err: string[] = [];
    const r = new PlainReporter((s) => out.push(s), (s) => err.push(s));
    r.event({ type: 'watch-waiting', files: 7, patterns: 2 });
    r.event({ type: 'watch-change', paths: ['src/a.txt', 'src/b.txt'] });
    r.event({ type: 'watch-pending', paths: ['src/a.txt'], interrupt: false });
    r.event({ type: 'watch-error', code: 'kfmfile', message: 'syntax error: Expected \',\', got \')\'', location: { file: 'kfmfile.ts', line: 5, column: 5 } });
    expect(out.join('')).toBe(
      [
        'watch: waiting for changes (7 files, 2 globs; Ctrl-C to quit)',
        'watch: change in src/a.txt, src/b.txt; rebuilding',
        'watch: change in src/a.txt; rebuilding after this build',
        '',
      ].join('\n'),
    );
    expect(err.join('')).toBe("kfm: kfmfile.ts:5:5: syntax error: Expected ',', got ')'\n");
  });

  it('JSON (watch mode): stdout gets one line per cycle, the error document for a cycle that did not load', () => {
    const out: string[] = [];
    const err: string[] = [];
    const r = new JsonReporter((s) => out.push(s), (s) => err.push(s), { oneLine: true });
    r.event({ type: 'watch-change', paths: ['kfmfile.ts'] });
    r.event({ type: 'watch-error', code: 'kfmfile', message: 'syntax error: Expression expected', location: { file: 'kfmfile.ts', line: 10, column: 18 } });
    r.finish(undefined);
    expect(out).toEqual([
      '{"kfm_error_version":"v1","error":{"code":"kfmfile","message":"syntax error: Expression expected","location":{"file":"kfmfile.ts","line":10,"column":18}}}\n',
    ]);
    expect(err.join('')).toBe('kfm: watch: change in kfmfile.ts; rebuilding\nkfm: kfmfile.ts:10:18: syntax error: Expression expected\n');
  });
});
