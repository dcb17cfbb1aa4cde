/**
 * A failure in one worker's batch must not kill the task running in another worker's
 * batch (engine/schedule/poolRunner.ts): after a failure without --keep-going, jobs not yet begun
 * are cancelled, but a running task finishes and is recorded.
 */
import { describe, expect, it } from 'vitest';
import { KFMFILE_HEADER, useCliRigs } from '../support/cliRig.js';

const newRig = useCliRigs();

const TASK = `import type { TaskContext } from 'kfm';
export default async function (ctx: TaskContext<{ fail?: boolean; ms?: number }>): Promise<void> {
  if (ctx.params.fail) throw new Error('bad input');
  await new Promise((r) => setTimeout(r, ctx.params.ms ?? 0));
  await ctx.output('o.txt', ctx.id, 'text/plain');
}
`;

describe('a failure while other batches run', () => {
  it('lets running tasks finish: no node is reported interrupted', async () => {
    const rig = newRig({
      'kfmfile.ts': `${KFMFILE_HEADER}export default defineKfm({ datasets: [
  dataset(spec('a'), [
    task('bad', { run: './t.ts', params: { fail: true } }),
    task('s1', { run: './t.ts', params: { ms: 300 } }),
    task('s2', { run: './t.ts', params: { ms: 300 } }),
    task('s3', { run: './t.ts', params: { ms: 300 } }),
    task('s4', { run: './t.ts', params: { ms: 300 } }),
    task('s5', { run: './t.ts', params: { ms: 300 } }),
  ]),
] });
`,
      't.ts': TASK,
    });
    const { result, report } = await rig.buildJson(['-j', '2']);
    expect(result.code).toBe(1);
    const failed = report.nodes.filter((n) => n.status === 'failed');
    expect(failed.map((n) => [n.id, n.error?.message])).toEqual([['a/bad', 'bad input']]);
    // Every other node either ran to the end (it had begun when the failure was seen) or
    // never began; none was cut short.
    for (const n of report.nodes.filter((x) => x.id !== 'a/bad')) expect(['executed', 'skipped']).toContain(n.status);
  });
});
