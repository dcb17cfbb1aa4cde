/**
 * An upstream output's `path` (part of the task API): a read-only file holding its bytes.
 * With the local file store it is the store object itself; with any other store (the
 * in-memory fake here) the object is materialized into the task's scratch directory before
 * the task runs, and removed with it.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dataset, defineKfm, task } from '../../api/index.js';
import type { TaskFunction } from '../../engine/schedule/taskContext.js';
import { EngineRig } from '../support/engineRig.js';
import { testSpec } from '../support/testSpec.js';

let rig: EngineRig | undefined;
afterEach(() => rig?.close());

function project(options: { real?: boolean }): { rig: EngineRig; seen: { path: string; bytes: string; readOnly: boolean; scratch: string }[] } {
  const r = new EngineRig(options);
  const seen: { path: string; bytes: string; readOnly: boolean; scratch: string }[] = [];
  const make: TaskFunction = async (ctx) => {
    await ctx.output('rows/a.txt', 'alpha\n', 'text/plain');
  };
  const use: TaskFunction = async (ctx) => {
    const out = ctx.dep('make')['rows/a.txt']!;
    seen.push({ path: out.path, bytes: readFileSync(out.path, 'utf8'), readOnly: (statSync(out.path).mode & 0o222) === 0, scratch: ctx.scratchDir });
    await ctx.output('copy.txt', await out.text(), 'text/plain');
  };
  r.task('tasks/make.ts', make, '// make\n');
  r.task('tasks/use.ts', use, '// use\n');
  r.config = defineKfm({ datasets: [dataset(testSpec('p'), [task('make', { run: './tasks/make.ts' }), task('use', { run: './tasks/use.ts', deps: ['make'] })])] });
  return { rig: r, seen };
}

describe("an upstream output's path", () => {
  it('with another store than the local one: a read-only copy in the scratch directory, removed after the task', async () => {
    const p = project({});
    rig = p.rig;
    const b = await rig.build();
    expect(b.started).toEqual(['p/make', 'p/use']);
    const [s] = p.seen;
    expect(s).toMatchObject({ bytes: 'alpha\n', readOnly: true });
    expect(s!.path).toBe(join(s!.scratch, '.kfm-upstream', 'p/make', 'rows/a.txt'));
    expect(existsSync(s!.scratch)).toBe(false);
    expect(rig.output('p/use', 'copy.txt').toString()).toBe('alpha\n');
  });

  it('with the local store: the store object itself (no copy)', async () => {
    const p = project({ real: true });
    rig = p.rig;
    await rig.build();
    const [s] = p.seen;
    const digest = rig.latest('p/make')!.outputs[0]!.digest;
    const hex = digest.slice('sha256:'.length);
    expect(s).toMatchObject({ bytes: 'alpha\n', readOnly: true, path: join(rig.dir, 'store', 'objects', hex.slice(0, 2), hex.slice(2)) });
  });
});
