import { afterEach, describe, expect, it } from 'vitest';
import { dataset, defineKfm, task } from '../../api/index.js';
import type { BuildEvent } from '../../engine/run/event.js';
import type { TaskFunction } from '../../engine/schedule/taskContext.js';
import { firstDifferingLine, isText } from '../../engine/schedule/differingOutputs.js';
import { EngineRig } from '../support/engineRig.js';
import { concatTask } from '../support/textTasks.js';
import { testSpec } from '../support/testSpec.js';

let rig: EngineRig | undefined;
afterEach(() => rig?.close());

type NodeDeterminism = Extract<BuildEvent, { type: 'node-determinism' }>;
const determinismEvents = (events: BuildEvent[]) => events.filter((e): e is NodeDeterminism => e.type === 'node-determinism');
const checked = (events: BuildEvent[]) => events.filter((e) => e.type === 'determinism-checked');

/** A task whose output carries a counter that moves on every run (as `Date.now()` would). */
function counterTask(): TaskFunction {
  let runs = 0;
  return async (ctx) => {
    runs++;
    await ctx.output('stamp.json', `{\n  "id": "${ctx.id}",\n  "run": ${runs}\n}\n`, 'application/json');
    await ctx.output('same.txt', 'always the same\n', 'text/plain');
  };
}

function project(options: { declared?: boolean } = {}): EngineRig {
  const r = new EngineRig();
  r.task('tasks/concat.ts', concatTask(r.fs), '// concat\n');
  r.task('tasks/stamp.ts', counterTask(), '// stamp\n');
  r.write('raw/a.txt', 'alpha\n');
  r.config = defineKfm({
    datasets: [
      dataset(testSpec('ds'), [
        task('read', { run: './tasks/concat.ts', inputs: ['raw/a.txt'] }),
        task('stamp', { run: './tasks/stamp.ts', deps: ['read'], ...(options.declared ? { nondeterministic: true } : {}) }),
        task('after', { run: './tasks/concat.ts', deps: ['read'] }),
      ]),
    ],
  });
  return r;
}

describe('--verify-determinism', () => {
  it('finds deterministic nodes deterministic and records only the first run', async () => {
    rig = new EngineRig();
    rig.task('tasks/concat.ts', concatTask(rig.fs), '// concat\n');
    rig.write('raw/a.txt', 'alpha\n');
    rig.config = defineKfm({
      datasets: [dataset(testSpec('ds'), [task('read', { run: './tasks/concat.ts', inputs: ['raw/a.txt'] }), task('next', { run: './tasks/concat.ts', deps: ['read'] })])],
    });
    const b = await rig.build({ verifyDeterminism: {} });
    expect(b.summary.status).toBe('succeeded');
    // Each node started twice: once for real, once to compare.
    expect(b.started).toEqual(['ds/read', 'ds/next', 'ds/next', 'ds/read']);
    expect(determinismEvents(b.events).map((e) => [e.id, e.deterministic, e.differing])).toEqual([
      ['ds/next', true, []],
      ['ds/read', true, []],
    ]);
    expect(checked(b.events)).toEqual([{ type: 'determinism-checked', executed: 2, checked: 2, nondeterministic: 0, failing: 0 }]);
    expect(b.summary.determinism?.failed).toBe(false);
    // The second run recorded no result: one per node, of this run.
    expect(rig.state.runNodes('run-0001').map((n) => n.nodeId).sort()).toEqual(['ds/next', 'ds/read']);
  });

  it('catches a node whose output changes between runs, naming the output, both digests and the first differing line', async () => {
    rig = project();
    const b = await rig.build({ verifyDeterminism: {} });
    expect(b.summary.status).toBe('succeeded');
    const stamp = determinismEvents(b.events).find((e) => e.id === 'ds/stamp')!;
    expect(stamp.deterministic).toBe(false);
    expect(stamp.declared).toBe(false);
    expect(stamp.differing).toHaveLength(1);
    const d = stamp.differing[0]!;
    expect(d.name).toBe('stamp.json');
    // The first run's digest is the recorded one; the second run's is another.
    expect(d.first).toBe(rig.latest('ds/stamp')!.outputs.find((o) => o.name === 'stamp.json')!.digest);
    expect(d.second).not.toBe(d.first);
    expect(d.firstDifference).toEqual({ line: 3, first: '  "run": 1', second: '  "run": 2' });
    expect(b.summary.determinism?.failed).toBe(true);
    expect(checked(b.events)).toEqual([{ type: 'determinism-checked', executed: 3, checked: 3, nondeterministic: 1, failing: 1 }]);
    // The recorded result is the first run's: the next build is cached.
    const again = await rig.build({ verifyDeterminism: {} });
    expect(again.summary.counts.cached).toBe(3);
    expect(checked(again.events)).toEqual([{ type: 'determinism-checked', executed: 0, checked: 0, nondeterministic: 0, failing: 0 }]);
  });

  it('reports a node declared nondeterministic without failing', async () => {
    rig = project({ declared: true });
    const b = await rig.build({ verifyDeterminism: {} });
    const stamp = determinismEvents(b.events).find((e) => e.id === 'ds/stamp')!;
    expect([stamp.deterministic, stamp.declared]).toEqual([false, true]);
    expect(b.summary.determinism?.failed).toBe(false);
    expect(checked(b.events)).toEqual([{ type: 'determinism-checked', executed: 3, checked: 3, nondeterministic: 1, failing: 0 }]);
  });

  it('--sample N checks the first N executed nodes by id, the same ones every time', async () => {
    rig = project();
    const b = await rig.build({ verifyDeterminism: { sample: 2 } });
    expect(determinismEvents(b.events).map((e) => e.id)).toEqual(['ds/after', 'ds/read']);
    expect(b.summary.determinism?.failed).toBe(false);
    expect(checked(b.events)).toEqual([{ type: 'determinism-checked', executed: 3, checked: 2, nondeterministic: 0, failing: 0 }]);
  });

  it('a second run that fails is nondeterministic, with its message', async () => {
    rig = new EngineRig();
    let runs = 0;
    rig.task('tasks/once.ts', async (ctx) => {
      if (++runs > 1) throw new Error('only once');
      await ctx.output('x.txt', 'x\n', 'text/plain');
    }, '// once\n');
    rig.config = defineKfm({ datasets: [dataset(testSpec('ds'), [task('once', { run: './tasks/once.ts' })])] });
    const b = await rig.build({ verifyDeterminism: {} });
    const [e] = determinismEvents(b.events);
    expect([e?.deterministic, e?.error]).toEqual([false, 'only once']);
    expect(b.summary.determinism?.failed).toBe(true);
  });

  it('without the flag nothing runs twice and no determinism is reported', async () => {
    rig = project();
    const b = await rig.build();
    expect(b.started).toHaveLength(3);
    expect(b.events.some((e) => e.type === 'node-determinism' || e.type === 'determinism-checked')).toBe(false);
    expect(b.summary.determinism).toBeUndefined();
  });
});

describe('differing outputs', () => {
  it('reads text/*, JSON and XML media types as text', () => {
    expect(['text/plain', 'application/json', 'application/geo+json', 'application/ld+json; charset=utf-8', 'application/xml'].map(isText)).toEqual([true, true, true, true, true]);
    expect(['application/octet-stream', 'image/png', 'application/vnd.sqlite3'].map(isText)).toEqual([false, false, false]);
  });

  it('names the first differing line, cut around the difference to about 200 characters', () => {
    const long = (n: number) => `${'x'.repeat(500)}${n}${'y'.repeat(500)}`;
    const d = firstDifferingLine(Buffer.from(`a\n${long(1)}\n`), Buffer.from(`a\n${long(2)}\n`))!;
    expect(d.line).toBe(2);
    expect(d.first.length).toBeLessThanOrEqual(202);
    expect(d.first).toContain('1');
    expect(d.second).toContain('2');
    expect(firstDifferingLine(Buffer.from('a\n'), Buffer.from('a\nb\n'))).toEqual({ line: 2, first: '', second: 'b' });
    expect(firstDifferingLine(Buffer.from([0xff, 0xfe]), Buffer.from('a'))).toBeUndefined();
  });
});
