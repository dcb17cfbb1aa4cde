import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dataset, defineKfm, task } from '../../api/index.js';
import type { TaskFunction } from '../../engine/schedule/taskContext.js';
import { EngineRig } from '../support/engineRig.js';
import { testSpec } from '../support/testSpec.js';

let rig: EngineRig | undefined;
afterEach(() => rig?.close());

describe('scratch directories', () => {
  it('are private to each running node, even for ids that differ only around the slash', async () => {
    // `a/_b` and `a_/b` are both valid ids; a scratch name formed by replacing `/` with `__`
    // gives both `a___b`.
    rig = new EngineRig();
    const arrived: string[] = [];
    let bothThere!: () => void;
    const barrier = new Promise<void>((r) => (bothThere = r));
    const useScratch: TaskFunction = async (ctx) => {
      writeFileSync(join(ctx.scratchDir, 'mine.txt'), ctx.id);
      arrived.push(ctx.id);
      if (arrived.length === 2) bothThere();
      await barrier; // both tasks hold their scratch directories now
      const names = readdirSync(ctx.scratchDir);
      const mine = readFileSync(join(ctx.scratchDir, 'mine.txt'), 'utf8');
      await ctx.output('seen.json', JSON.stringify({ names, mine }), 'application/json');
    };
    rig.task('tasks/scratch.ts', useScratch, '// scratch\n');
    rig.config = defineKfm({
      datasets: [
        dataset(testSpec('a'), [task('_b', { run: './tasks/scratch.ts' })]),
        dataset(testSpec('a_'), [task('b', { run: './tasks/scratch.ts' })]),
      ],
    });
    const b = await rig.build({ jobs: 2 });
    expect(b.summary.status).toBe('succeeded');
    for (const id of ['a/_b', 'a_/b']) {
      expect(JSON.parse(rig.output(id, 'seen.json').toString()), id).toEqual({ names: ['mine.txt'], mine: id });
    }
  });
});
