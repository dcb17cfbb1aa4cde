/** The Ink reporter on a fake terminal stream: mounts on the first event, ends on the final frame. */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { BuildEvent } from '../../engine/run/event.js';
import { InkReporter } from '../../cli/reporters/inkReporter.js';
import { stripAnsi } from '../support/cliRig.js';

const KEY = `sha256:${'a'.repeat(64)}` as const;

/** A 100 × 30 terminal that keeps what is written to it. */
function fakeTerminal(): { stream: NodeJS.WriteStream; text: () => string; writes: () => number } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  }) as unknown as NodeJS.WriteStream;
  Object.assign(stream, { columns: 100, rows: 30, isTTY: false });
  return { stream, text: () => stripAnsi(chunks.join('')), writes: () => chunks.length };
}

describe('the Ink reporter', () => {
  it('draws nothing when the build ends before its first event', async () => {
    const term = fakeTerminal();
    await new InkReporter({ stdout: term.stream }).finish(undefined);
    expect(term.writes()).toBe(0);
  });

  it('leaves the final frame, with the counts line, and writes nothing after finish', async () => {
    const term = fakeTerminal();
    let now = 0;
    const reporter = new InkReporter({ stdout: term.stream, clock: () => now });
    const events: BuildEvent[] = [
      { type: 'build-start', runId: 'r1', targets: ['a'], nodes: ['a/fetch'], jobs: 1 },
      { type: 'node-start', id: 'a/fetch', key: KEY, reason: { type: 'no-previous-run' } },
      { type: 'node-progress', id: 'a/fetch', done: 42, total: 100, unit: 'rows' },
      { type: 'node-done', id: 'a/fetch', key: KEY, outputs: 1, durationMs: 1500 },
      { type: 'dataset-linked', dataset: 'a', datasetVersionId: '2024.0badc0de', paths: 1 },
      { type: 'build-end', runId: 'r1', status: 'succeeded', counts: { executed: 1, cached: 0, failed: 0, skipped: 0 }, durationMs: 1600 },
    ];
    for (const e of events) {
      reporter.event(e);
      now += 100;
    }
    await reporter.finish(undefined);
    const text = term.text();
    expect(text.trimEnd().split('\n').slice(-4)).toEqual([
      'kfm build r1 · a · 1 job',
      '✓ a  1/1  version 2024.0badc0de',
      '  └─ ✓ fetch  1.50s',
      'build succeeded: 1 executed, 0 cached, 0 failed, 0 skipped in 1.60s',
    ]);
    const written = term.writes();
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(term.writes()).toBe(written);
  });

  it('says the build stopped when it ends without a build-end event', async () => {
    const term = fakeTerminal();
    const reporter = new InkReporter({ stdout: term.stream, clock: () => 0 });
    reporter.event({ type: 'build-start', runId: 'r1', targets: [], nodes: ['a/x'], jobs: 1 });
    await reporter.finish(undefined);
    expect(term.text().trimEnd().split('\n').at(-1)).toBe('build stopped: 0 executed, 0 cached, 0 failed, 0 skipped in 0.00s');
  });

  it("shows stderr text written while it draws (the CLI's interrupt line) in the frame, not across it", async () => {
    const term = fakeTerminal();
    const err = fakeTerminal();
    const reporter = new InkReporter({ stdout: term.stream, stderr: err.stream, clock: () => 0 });
    err.stream.write('before\n');
    reporter.event({ type: 'build-start', runId: 'r1', targets: [], nodes: ['a/x'], jobs: 1 });
    err.stream.write('kfm: interrupted; stopping running tasks (Ctrl-C again to quit at once)\n');
    reporter.event({ type: 'node-failed', id: 'a/x', key: null, error: { message: 'interrupted' } });
    reporter.event({ type: 'build-end', runId: 'r1', status: 'interrupted', counts: { executed: 0, cached: 0, failed: 1, skipped: 0 }, durationMs: 10 });
    await reporter.finish(undefined);
    err.stream.write('after\n');
    expect(err.text()).toBe('before\nafter\n');
    expect(term.text().trimEnd().split('\n').slice(-3)).toEqual([
      '✗ a/x: interrupted',
      'kfm: interrupted; stopping running tasks (Ctrl-C again to quit at once)',
      'build interrupted: 0 executed, 0 cached, 1 failed, 0 skipped in 0.01s',
    ]);
  });
});
