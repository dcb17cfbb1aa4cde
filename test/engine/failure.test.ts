import { afterEach, describe, expect, it } from 'vitest';
import { dataset, defineKfm, task } from '../../api/index.js';
import type { BuildEvent } from '../../engine/run/event.js';
import type { SkipReason } from '../../engine/run/skipReason.js';
import type { TaskFunction } from '../../engine/schedule/taskContext.js';
import { EngineRig, type RigBuild } from '../support/engineRig.js';
import { testSpec } from '../support/testSpec.js';
import { concatTask } from '../support/textTasks.js';

const rigs: EngineRig[] = [];
afterEach(() => {
  for (const r of rigs.splice(0)) r.close();
});

function newRig(): EngineRig {
  const rig = new EngineRig();
  rigs.push(rig);
  rig.task('tasks/concat.ts', concatTask(rig.fs), '// concat\nexport default async function () {}\n');
  return rig;
}

function skippedBecause(b: RigBuild): Record<string, SkipReason> {
  const out: Record<string, SkipReason> = {};
  for (const e of b.events) if (e.type === 'node-skipped') out[e.id] = e.because;
  return out;
}

function lastEvent(b: RigBuild): BuildEvent | undefined {
  return b.events[b.events.length - 1];
}

describe('build on fakes: a failing task', () => {
  /** f/check fails while its input says "bad"; g/one → g/two do not depend on it. */
  function failingProject(): EngineRig {
    const rig = newRig();
    const check: TaskFunction = async (ctx) => {
      const text = rig.text(ctx.inputs[0]!);
      if (text.includes('bad')) throw new Error(`check failed: ${ctx.inputs[0]!.path} says ${text.trim()}`);
      await ctx.output('ok.txt', text, 'text/plain');
    };
    rig.task('tasks/check.ts', check, '// check\nexport default async function () {}\n');
    rig.write('in/flag.txt', 'bad\n');
    rig.write('in/g.txt', 'gee\n');
    rig.config = defineKfm({
      datasets: [
        dataset(testSpec('f'), [
          task('check', { run: './tasks/check.ts', inputs: ['in/flag.txt'] }),
          task('after', { run: './tasks/concat.ts', deps: ['check'] }),
          task('later', { run: './tasks/concat.ts', deps: ['after'] }),
        ]),
        dataset(testSpec('g'), [
          task('one', { run: './tasks/concat.ts', inputs: ['in/g.txt'] }),
          task('two', { run: './tasks/concat.ts', deps: ['one'] }),
        ]),
      ],
    });
    return rig;
  }

  it('fails its node with the error, skips its dependents, and starts nothing else (jobs 1)', async () => {
    const rig = failingProject();
    const b = await rig.build({ jobs: 1 });
    expect(b.summary.status).toBe('failed');
    expect(b.started).toEqual(['f/check']);
    const check = b.node('f/check');
    expect(check.status).toBe('failed');
    expect(check.key).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(check.error?.message).toBe('check failed: in/flag.txt says bad');
    expect(b.status).toEqual({ 'f/after': 'skipped', 'f/check': 'failed', 'f/later': 'skipped', 'g/one': 'skipped', 'g/two': 'skipped' });
    expect(skippedBecause(b)).toEqual({
      'f/after': { type: 'upstream-failed', upstream: 'f/check' },
      'f/later': { type: 'upstream-failed', upstream: 'f/check' },
      'g/one': { type: 'stopped-after-failure' },
      'g/two': { type: 'stopped-after-failure' },
    });
    // The summary says the same.
    expect(b.node('f/later').because).toEqual({ type: 'upstream-failed', upstream: 'f/check' });
    expect(b.node('g/one').because).toEqual({ type: 'stopped-after-failure' });
    expect(b.summary.counts).toEqual({ executed: 0, cached: 0, failed: 1, skipped: 4 });
    expect(lastEvent(b)).toMatchObject({ type: 'build-end', status: 'failed' });
    expect(rig.latest('f/check')).toBeUndefined();
    expect(rig.state.resultByKey(check.key!)).toBeUndefined();
    expect(rig.state.runNodes(b.summary.runId)).toContainEqual({
      nodeId: 'f/check',
      status: 'failed',
      key: check.key,
      error: 'check failed: in/flag.txt says bad',
    });
  });

  it('with keepGoing, finishes the independent branches', async () => {
    const rig = failingProject();
    const b = await rig.build({ jobs: 1, keepGoing: true });
    expect(b.summary.status).toBe('failed');
    expect([...b.started].sort()).toEqual(['f/check', 'g/one', 'g/two']);
    expect(b.status).toEqual({ 'f/after': 'skipped', 'f/check': 'failed', 'f/later': 'skipped', 'g/one': 'executed', 'g/two': 'executed' });
    expect(skippedBecause(b)).toEqual({ 'f/after': { type: 'upstream-failed', upstream: 'f/check' }, 'f/later': { type: 'upstream-failed', upstream: 'f/check' } });

    // Fixed input: the failed branch runs, the finished one is cached.
    rig.write('in/flag.txt', 'good\n');
    const c = await rig.build({ jobs: 1 });
    expect(c.summary.status).toBe('succeeded');
    expect([...c.started].sort()).toEqual(['f/after', 'f/check', 'f/later']);
    expect(c.status['g/one']).toBe('cached');
  });

  it('with jobs 2, a node already running when another fails finishes and is stored; nothing new starts', async () => {
    const rig = failingProject();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    // g/one runs beside f/check and finishes only after f/check has failed.
    rig.task('tasks/held.ts', async (ctx) => {
      await gate;
      await ctx.output('held.txt', 'held\n', 'text/plain');
    }, '// held\n');
    rig.config = defineKfm({
      datasets: [
        ...rig.config.datasets.filter((d) => d.spec.dataset_slug === 'f'),
        dataset(testSpec('g'), [
          task('one', { run: './tasks/held.ts' }),
          task('two', { run: './tasks/concat.ts', deps: ['one'] }),
        ]),
      ],
    });
    const b = await rig.build({ jobs: 2, onEvent: (e) => e.type === 'node-failed' && release() });
    expect(b.summary.status).toBe('failed');
    expect([...b.started].sort()).toEqual(['f/check', 'g/one']);
    expect(b.status).toEqual({ 'f/after': 'skipped', 'f/check': 'failed', 'f/later': 'skipped', 'g/one': 'executed', 'g/two': 'skipped' });
    expect(skippedBecause(b)['g/two']).toEqual({ type: 'stopped-after-failure' });
    expect(rig.latest('g/one')).toBeDefined();
  });

  it('a failed node reruns next time even when nothing changed', async () => {
    const rig = failingProject();
    await rig.build({ keepGoing: true });
    const again = await rig.build({ keepGoing: true });
    expect(again.started).toEqual(['f/check']);
    expect(again.status['g/two']).toBe('cached');
  });

  it('a task that throws a non-Error still fails with a message', async () => {
    const rig = newRig();
    rig.task('tasks/odd.ts', async () => {
      throw 'plain string'; // eslint-disable-line no-throw-literal
    }, '// odd\n');
    rig.config = defineKfm({ datasets: [dataset(testSpec('o'), [task('odd', { run: './tasks/odd.ts' })])] });
    const b = await rig.build();
    expect(b.node('o/odd')).toMatchObject({ status: 'failed', error: { message: 'plain string' } });
  });
});

describe('build on fakes: interrupted', () => {
  /** a/first → a/slow → a/after, and a/first → a/other; a/slow waits for the test. */
  function slowProject(ignoreSignal: boolean) {
    const rig = newRig();
    let entered!: () => void;
    const slowStarted = new Promise<void>((r) => (entered = r));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow: TaskFunction = async (ctx) => {
      entered();
      if (ignoreSignal) {
        await gate;
      } else {
        await new Promise<void>((resolve, reject) => {
          void gate.then(resolve);
          ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true });
        });
      }
      await ctx.output('slow.txt', 'done\n', 'text/plain');
    };
    rig.task('tasks/slow.ts', slow, '// slow\nexport default async function () {}\n');
    rig.write('in/x.txt', 'x\n');
    rig.config = defineKfm({
      datasets: [
        dataset(testSpec('a'), [
          task('first', { run: './tasks/concat.ts', inputs: ['in/x.txt'] }),
          task('slow', { run: './tasks/slow.ts', deps: ['first'] }),
          task('other', { run: './tasks/concat.ts', deps: ['first'] }),
          task('after', { run: './tasks/concat.ts', deps: ['slow'] }),
        ]),
      ],
    });
    return { rig, slowStarted, release };
  }

  for (const ignoreSignal of [false, true]) {
    it(`an abort mid-build gives status interrupted and stores nothing for the running node (task ${ignoreSignal ? 'ignores' : 'honours'} the signal)`, async () => {
      const { rig, slowStarted, release } = slowProject(ignoreSignal);
      const abort = new AbortController();
      const building = rig.build({ jobs: 1, signal: abort.signal });
      await slowStarted;
      abort.abort();
      release();
      const b = await building;

      expect(b.summary.status).toBe('interrupted');
      expect(b.started).toEqual(['a/first', 'a/slow']);
      expect(b.status).toEqual({ 'a/after': 'skipped', 'a/first': 'executed', 'a/other': 'skipped', 'a/slow': 'failed' });
      const slow = b.node('a/slow');
      expect(slow.error?.message).toBe('interrupted');
      expect(rig.state.resultByKey(slow.key!)).toBeUndefined();
      expect(rig.latest('a/slow')).toBeUndefined();
      expect(rig.latest('a/first')).toBeDefined();
      expect(skippedBecause(b)).toEqual({ 'a/after': { type: 'upstream-failed', upstream: 'a/slow' }, 'a/other': { type: 'interrupted' } });
      expect(rig.state.runs(1)[0]).toMatchObject({ runId: b.summary.runId, status: 'interrupted' });
      expect(b.summary.versions).toEqual([]);

      // The next build finishes the work; what finished before the interrupt is cached.
      const next = await rig.build({ jobs: 1 });
      expect(next.summary.status).toBe('succeeded');
      expect([...next.started].sort()).toEqual(['a/after', 'a/other', 'a/slow']);
      expect(next.status['a/first']).toBe('cached');
    });
  }

  it('a signal aborted before the build starts runs nothing', async () => {
    const { rig } = slowProject(false);
    const abort = new AbortController();
    abort.abort();
    const b = await rig.build({ signal: abort.signal });
    expect(b.summary.status).toBe('interrupted');
    expect(b.started).toEqual([]);
    expect(Object.values(b.status)).toEqual(['skipped', 'skipped', 'skipped', 'skipped']);
  });
});
