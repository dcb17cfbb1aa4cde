/**
 * Task targets and `--force` in the engine (engine/run/build.ts, engine/plan/planner.ts,
 * engine/schedule/cacheCheck.ts), on the engine rig: a task target builds its node and what
 * it needs, nothing downstream; a forced node runs whatever its stored result, with reason
 * `forced`; a dependent that is not forced runs only when the forced node's outputs change.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { dataset, defineKfm, task } from '../../api/index.js';
import { parseTarget, targetText, type Target } from '../../engine/graph/target.js';
import { KfmError } from '../../core/error.js';
import type { TaskFunction } from '../../engine/schedule/taskContext.js';
import { EngineRig, type RigBuild } from '../support/engineRig.js';
import { testSpec } from '../support/testSpec.js';
import { concatTask, lineCountTask } from '../support/textTasks.js';

const rigs: EngineRig[] = [];
afterEach(() => {
  for (const r of rigs.splice(0)) r.close();
});

/** Writes `tick.txt`: how many times it ran in this rig (a task whose reruns change its bytes). */
function tickTask(): TaskFunction {
  let runs = 0;
  return async (ctx) => {
    runs++;
    await ctx.output('tick.txt', `tick ${runs}\n`, 'text/plain');
  };
}

/**
 * a/src    concat of in/a.txt
 * a/count  line count of a/src       (lossy)
 * a/report concat of a/count
 * t/tick   writes how often it ran   (a rerun changes its bytes)
 * t/show   concat of t/tick
 * t/end    line count of t/show
 */
function project(): EngineRig {
  const rig = new EngineRig();
  rigs.push(rig);
  rig.task('tasks/concat.ts', concatTask(rig.fs), '// concat\n');
  rig.task('tasks/count.ts', lineCountTask(rig.fs), '// count\n');
  rig.task('tasks/tick.ts', tickTask(), '// tick\n');
  rig.write('in/a.txt', 'one\ntwo\n');
  rig.config = defineKfm({
    datasets: [
      dataset(testSpec('a'), [
        task('src', { run: './tasks/concat.ts', inputs: ['in/a.txt'] }),
        task('count', { run: './tasks/count.ts', deps: ['src'] }),
        task('report', { run: './tasks/concat.ts', deps: ['count'] }),
      ]),
      dataset(testSpec('t'), [
        task('tick', { run: './tasks/tick.ts' }),
        task('show', { run: './tasks/concat.ts', deps: ['tick'] }),
        task('end', { run: './tasks/count.ts', deps: ['show'] }),
      ]),
    ],
  });
  return rig;
}

const node = (dataset: string, taskName: string): Target => ({ dataset, slice: undefined, task: taskName });
const whole = (dataset: string): Target => ({ dataset, slice: undefined });
const ran = (b: RigBuild) => [...b.started].sort();

describe('task targets', () => {
  it('parse as <dataset>[@<slice>]/<task>; an unknown task names the dataset\'s tasks', () => {
    const graph = project().analyze();
    expect(parseTarget('a/count', graph)).toEqual({ dataset: 'a', slice: undefined, task: 'count' });
    expect(parseTarget('a@2017/count', graph)).toEqual({ dataset: 'a', slice: '2017', task: 'count' });
    expect(parseTarget('a@2017', graph)).toEqual({ dataset: 'a', slice: '2017' });
    for (const text of ['a', 'a@2017', 'a/count', 'a@2017-06/count']) expect(targetText(parseTarget(text, graph))).toBe(text);
    const problem = (text: string) => {
      try {
        parseTarget(text, graph);
      } catch (e) {
        if (e instanceof KfmError) return [e.code, e.message];
      }
      return undefined;
    };
    expect(problem('a/cuont')).toEqual(['usage', 'dataset "a" has no task "cuont" (its tasks: src, count, report); did you mean "count"?']);
    expect(problem('a/zzz')).toEqual(['usage', 'dataset "a" has no task "zzz" (its tasks: src, count, report)']);
    expect(problem('a/')).toEqual(['usage', 'invalid target "a/": after / comes a task name (^[a-z0-9_][a-z0-9_-]*$), as in ks_counties/qa']);
    expect(problem('a/t/x')?.[0]).toBe('usage');
    expect(problem('a@2017-13/count')).toEqual(['usage', 'invalid target "a@2017-13/count": month 13 does not exist']);
  });

  it('build the node and its upstream only, never what is downstream', async () => {
    const rig = project();
    const first = await rig.build({ targets: [node('a', 'count')] });
    expect(first.summary.status).toBe('succeeded');
    expect(ran(first)).toEqual(['a/count', 'a/src']);
    expect(first.summary.nodes.map((n) => n.id)).toEqual(['a/count', 'a/src']);
    expect(rig.latest('a/report')).toBeUndefined();

    // The dataset afterwards: what the task target built is cached.
    const rest = await rig.build({ targets: [whole('a')] });
    expect(ran(rest)).toEqual(['a/report']);
    expect(rest.summary.counts).toEqual({ executed: 1, cached: 2, failed: 0, skipped: 0 });
  });
});

describe('--force', () => {
  it('reruns exactly the named nodes; a dependent between them stays cached when the bytes are the same', async () => {
    const rig = project();
    const first = await rig.build();
    const before = new Map(['a/src', 'a/count', 'a/report'].map((id) => [id, rig.latest(id)!.outputsDigest]));

    const forced = await rig.build({ targets: [node('a', 'src'), node('a', 'report')], force: true });
    expect(forced.summary.status).toBe('succeeded');
    expect(ran(forced)).toEqual(['a/report', 'a/src']);
    expect(forced.node('a/src')).toMatchObject({ status: 'executed', reason: { type: 'forced' } });
    expect(forced.node('a/report')).toMatchObject({ status: 'executed', reason: { type: 'forced' } });
    expect(forced.node('a/count').status).toBe('cached');
    // Deterministic tasks: the forced reruns wrote the same bytes under the same keys.
    for (const [id, digest] of before) expect(rig.latest(id)!.outputsDigest).toBe(digest);
    for (const id of ['a/src', 'a/report']) expect(forced.node(id).key).toBe(first.node(id).key);
    const start = forced.events.find((e) => e.type === 'node-start' && e.id === 'a/src');
    expect(start).toMatchObject({ reason: { type: 'forced' } });
  });

  it('a forced node whose bytes change reruns its dependents (upstream-changed), and only them', async () => {
    const rig = project();
    await rig.build();
    // tick and end named; show, between them, is not forced: it runs because tick's bytes changed.
    const forced = await rig.build({ targets: [node('t', 'tick'), node('t', 'end')], force: true });
    expect(ran(forced)).toEqual(['t/end', 't/show', 't/tick']);
    expect(forced.summary.counts).toEqual({ executed: 3, cached: 0, failed: 0, skipped: 0 });
    expect(forced.node('t/tick').reason).toEqual({ type: 'forced' });
    expect(forced.node('t/end').reason).toEqual({ type: 'forced' });
    expect(forced.node('t/show').reason).toMatchObject({ type: 'upstream-changed', upstream: 't/tick' });
    expect(rig.output('t/show', 'out.txt').toString()).toContain('tick 2');

    // Only tick forced (a task target: nothing downstream runs); the next build of t runs
    // what its new bytes reach.
    const forcedTick = await rig.build({ targets: [node('t', 'tick')], force: true });
    expect(ran(forcedTick)).toEqual(['t/tick']);
    const after = await rig.build({ targets: [whole('t')] });
    expect(ran(after)).toEqual(['t/end', 't/show']);
    expect(after.node('t/show').reason).toMatchObject({ type: 'upstream-changed', upstream: 't/tick' });
  });

  it('without targets forces every node; a dataset target forces its own nodes, not other datasets upstream', async () => {
    const rig = project();
    await rig.build();
    const all = await rig.build({ force: true });
    expect(all.summary.counts).toEqual({ executed: 6, cached: 0, failed: 0, skipped: 0 });
    for (const n of all.summary.nodes) expect(n.reason).toEqual({ type: 'forced' });

    const a = await rig.build({ targets: [whole('a')], force: true });
    expect(ran(a)).toEqual(['a/count', 'a/report', 'a/src']);
  });

  it('the plan names forced first among the reasons, the others still there', async () => {
    const rig = project();
    await rig.build();
    rig.write('in/a.txt', 'one\ntwo\nthree\n');
    const graph = rig.analyze();
    const { Planner } = await import('../../engine/plan/planner.js');
    const { FileHasher } = await import('../../engine/keys/fileHasher.js');
    const { CodeDigester } = await import('../../engine/keys/codeDigest.js');
    const state = rig.seams.state;
    const hasher = new FileHasher(rig.fs, state.statCache());
    const code = new CodeDigester(rig.fs, hasher, graph.root, state.moduleImports());
    const planner = new Planner(graph, rig.fs, hasher, code, rig.seams.store, await state.latestResults());
    const scope = planner.scope([node('a', 'count')]);
    expect(scope).toEqual(['a/src', 'a/count']);
    await planner.prepare(scope);
    const assessed = await planner.assess(scope, new Set(['a/src', 'a/count']));
    expect(assessed.get('a/src')!.forced).toBe(true);
    expect(assessed.get('a/src')!.reasons.map((r) => r.type)).toEqual(['forced', 'input-changed']);
    expect(assessed.get('a/count')!.reasons.map((r) => r.type)).toEqual(['forced', 'upstream-pending']);
    const plain = await planner.assess(scope);
    expect(plain.get('a/src')!.reasons.map((r) => r.type)).toEqual(['input-changed']);
    expect(plain.get('a/src')!.forced).toBe(false);
  });
});
