import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { dataset, defineKfm, task } from '../../api/index.js';
import type { TaskJob, TaskMessage, TaskOutcome } from '../../engine/schedule/job.js';
import { CANCEL_IF_NOT_BEGUN, type TaskRunner } from '../../engine/schedule/runner.js';
import { EngineRig } from '../support/engineRig.js';
import { testSpec } from '../support/testSpec.js';
import { concatTask } from '../support/textTasks.js';

const rigs: EngineRig[] = [];
afterEach(() => {
  for (const r of rigs.splice(0)) r.close();
});

/**
 * A runner that batches as the worker pool does: it takes `capacity` jobs, begins them
 * `threads` at a time (saying `started` when one begins), and a job aborted before it
 * begins is not run (`notStarted`). The next job begins on a later turn of the event loop.
 */
class BatchingRunner implements TaskRunner {
  readonly capacity: number | undefined;
  readonly #inner: TaskRunner;
  readonly #threads: number;
  readonly #queue: { begin: () => void; jobId: string }[] = [];
  #active = 0;
  inFlight = 0;
  maxInFlight = 0;
  readonly cancelled: { id: string; reason: unknown }[] = [];

  constructor(inner: TaskRunner, capacity: number | undefined, threads: number) {
    this.#inner = inner;
    this.capacity = capacity;
    this.#threads = threads;
  }

  run(job: TaskJob, onMessage: (msg: TaskMessage) => void, signal: AbortSignal): Promise<TaskOutcome> {
    this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight);
    return new Promise<TaskOutcome>((resolve) => {
      const entry = {
        jobId: job.nodeId,
        begin: () => {
          this.#active++;
          onMessage({ type: 'started' });
          void this.#inner
            .run(job, onMessage, signal)
            .then(resolve)
            .finally(() => {
              this.#active--;
              this.inFlight--;
              setImmediate(() => this.#next());
            });
        },
      };
      signal.addEventListener(
        'abort',
        () => {
          const i = this.#queue.indexOf(entry);
          if (i < 0) return;
          this.#queue.splice(i, 1);
          this.inFlight--;
          this.cancelled.push({ id: job.nodeId, reason: signal.reason });
          resolve({ ok: false, error: { message: 'cancelled' }, notStarted: true });
        },
        { once: true },
      );
      this.#queue.push(entry);
      this.#next();
    });
  }

  #next(): void {
    while (this.#active < this.#threads && this.#queue.length > 0) this.#queue.shift()!.begin();
  }

  async close(): Promise<void> {}
}

function newRig(names: string[]): EngineRig {
  const rig = new EngineRig();
  rigs.push(rig);
  rig.task('tasks/concat.ts', concatTask(rig.fs), '// concat\nexport default async function () {}\n');
  rig.write('in/x.txt', 'x\n');
  rig.config = defineKfm({ datasets: [dataset(testSpec('a'), names.map((n) => task(n, { run: './tasks/concat.ts', inputs: ['in/x.txt'], params: { n } })))] });
  return rig;
}

describe('the scheduler', () => {
  it("hands the runner as many jobs as its capacity, else the build's job count", async () => {
    const names = ['n1', 'n2', 'n3', 'n4', 'n5'];
    let pool: BatchingRunner | undefined;
    const b = await newRig(names).build({ jobs: 1, runner: (r) => (pool = new BatchingRunner(r, 3, 1)) });
    expect(b.summary.counts).toEqual({ executed: 5, cached: 0, failed: 0, skipped: 0 });
    expect(pool!.maxInFlight).toBe(3);

    let plain: BatchingRunner | undefined;
    const c = await newRig(names).build({ jobs: 2, runner: (r) => (plain = new BatchingRunner(r, undefined, 1)) });
    expect(c.summary.counts.executed).toBe(5);
    expect(plain!.maxInFlight).toBe(2);
  });

  it('after a failure, cancels the jobs handed to the runner that have not begun (they are skipped, never started)', async () => {
    const rig = newRig(['q1', 'q2', 'q3']);
    rig.task('tasks/bad.ts', async () => {
      throw new Error('bad');
    }, '// bad\n');
    rig.config = defineKfm({
      datasets: [dataset(testSpec('a'), [task('bad', { run: './tasks/bad.ts' }), ...rig.config.datasets[0]!.tasks])],
    });
    let pool: BatchingRunner | undefined;
    const b = await rig.build({ jobs: 1, runner: (r) => (pool = new BatchingRunner(r, 4, 1)) });
    expect(b.summary.status).toBe('failed');
    expect(b.started).toEqual(['a/bad']);
    expect(pool!.cancelled).toEqual(['a/q1', 'a/q2', 'a/q3'].map((id) => ({ id, reason: CANCEL_IF_NOT_BEGUN })));
    expect(b.events.filter((e) => e.type === 'node-start').map((e) => e.id)).toEqual(['a/bad']);
    expect(b.events.filter((e) => e.type === 'node-skipped')).toEqual(
      ['a/q1', 'a/q2', 'a/q3'].map((id) => ({ type: 'node-skipped', id, because: { type: 'stopped-after-failure' } })),
    );
    expect(b.summary.counts).toEqual({ executed: 0, cached: 0, failed: 1, skipped: 3 });
  });

  it('with keepGoing, a failure cancels nothing', async () => {
    const rig = newRig(['q1', 'q2']);
    rig.task('tasks/bad.ts', async () => {
      throw new Error('bad');
    }, '// bad\n');
    rig.config = defineKfm({
      datasets: [dataset(testSpec('a'), [task('bad', { run: './tasks/bad.ts' }), ...rig.config.datasets[0]!.tasks])],
    });
    let pool: BatchingRunner | undefined;
    const b = await rig.build({ jobs: 1, keepGoing: true, runner: (r) => (pool = new BatchingRunner(r, 3, 1)) });
    expect(pool!.cancelled).toEqual([]);
    expect(b.summary.counts).toEqual({ executed: 2, cached: 0, failed: 1, skipped: 0 });
  });

  it('adds one abort listener to the build signal, however many jobs run', async () => {
    const rig = newRig([]);
    const abort = new AbortController();
    const seen: number[] = [];
    rig.task('tasks/look.ts', async (ctx) => {
      seen.push(getEventListeners(abort.signal, 'abort').length);
      await ctx.output('x.txt', ctx.id, 'text/plain');
    }, '// look\n');
    rig.config = defineKfm({ datasets: [dataset(testSpec('a'), ['l1', 'l2', 'l3', 'l4'].map((n) => task(n, { run: './tasks/look.ts' })))] });
    const b = await rig.build({ jobs: 4, signal: abort.signal });
    expect(b.summary.counts.executed).toBe(4);
    expect(seen).toEqual([1, 1, 1, 1]);
    expect(getEventListeners(abort.signal, 'abort')).toHaveLength(0);
  });

  it('reads every time from the clock: run start and end, finishedAt, node and build durations', async () => {
    const rig = newRig([]);
    rig.task('tasks/tick.ts', async (ctx) => {
      rig.clock.advance(ctx.id === 'a/one' ? 250 : 40);
      await ctx.output('x.txt', ctx.id, 'text/plain');
    }, '// tick\n');
    rig.config = defineKfm({
      datasets: [dataset(testSpec('a'), [task('one', { run: './tasks/tick.ts' }), task('two', { run: './tasks/tick.ts', deps: ['one'] })])],
    });
    const b = await rig.build({ advanceClockMs: 1000 });
    // The rig's clock starts at 2026-01-01T00:00:00Z and moves 1000 ms before the build.
    expect(b.node('a/one').durationMs).toBe(250);
    expect(b.node('a/two').durationMs).toBe(40);
    expect(b.events.filter((e) => e.type === 'node-done').map((e) => [e.id, e.durationMs])).toEqual([
      ['a/one', 250],
      ['a/two', 40],
    ]);
    expect(rig.latest('a/one')).toMatchObject({ finishedAt: '2026-01-01T00:00:01.250Z', durationMs: 250 });
    expect(rig.latest('a/two')).toMatchObject({ finishedAt: '2026-01-01T00:00:01.290Z', durationMs: 40 });
    expect(b.summary.durationMs).toBe(290);
    expect(b.events.at(-1)).toMatchObject({ type: 'build-end', durationMs: 290 });
    expect(rig.state.runs(1)[0]).toMatchObject({ startedAt: '2026-01-01T00:00:01.000Z', endedAt: '2026-01-01T00:00:01.290Z' });
  });

  it('lists the summaries sorted by id, whatever the build order', async () => {
    const rig = newRig([]);
    rig.config = defineKfm({
      datasets: [
        dataset(testSpec('b'), [task('z', { run: './tasks/concat.ts', inputs: ['in/x.txt'] })]),
        dataset(testSpec('a'), [task('y', { run: './tasks/concat.ts', deps: ['b/z'] }), task('x', { run: './tasks/concat.ts', deps: ['y'] })]),
      ],
    });
    const b = await rig.build();
    expect(b.started).toEqual(['b/z', 'a/y', 'a/x']);
    expect(b.summary.nodes.map((n) => n.id)).toEqual(['a/x', 'a/y', 'b/z']);
  });
});
