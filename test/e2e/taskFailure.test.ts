/** A task that throws: exit 1, the failure located in the task's TypeScript, dependents skipped. */
import { describe, expect, it } from 'vitest';
import { KFMFILE_HEADER, locate, useCliRigs } from '../support/cliRig.js';
import { expectValidReport } from './reportSchemas.js';

const newRig = useCliRigs();

// Types and an interface before the throw: swc strips them, so only a source-mapped
// position lands on the right line of this file.
const TASK = `import type { TaskContext } from 'kfm';
import { checkRows } from './lib/checkRows.js';

interface Params {
  rows?: number;
}

type Mode = 'plain' | 'checked';

export default async function t(ctx: TaskContext): Promise<void> {
  const params = ctx.params as Params;
  const mode: Mode = ctx.task === 'deep' ? 'checked' : 'plain';
  if (ctx.task === 'bad') {
    throw new Error(\`expected at least 3 rows, got \${params.rows ?? 0}\`);
  }
  if (mode === 'checked') checkRows(params.rows ?? 0);
  await ctx.output('o.txt', ctx.id, 'text/plain');
}
`;

const CHECK_ROWS = `/** Throws unless there are enough rows. */
export function checkRows(rows: number): void {
  const minimum: number = 10;
  if (rows < minimum) throw new RangeError(\`too few rows: \${rows} < \${minimum}\`);
}
`;

const KFMFILE = `${KFMFILE_HEADER}export default defineKfm({ datasets: [
  dataset(spec('a'), [
    task('bad', { run: './t.ts', params: { rows: 2 } }),
    task('after', { run: './t.ts', deps: ['bad'] }),
    task('other', { run: './t.ts' }),
    task('other2', { run: './t.ts', deps: ['other'] }),
  ], { slice: '2020' }),
] });
`;

const normalized = (text: string) =>
  text.replace(/build \d{8}T\d{6}Z-[0-9a-f]{8}:/g, 'build <run>:').replace(/ in \d+\.\d\ds/g, ' in <t>');

const BAD_AT = `t.ts:${locate(TASK, 'new Error(')}`;

describe('a failing task', () => {
  it('exits 1, prints the message and where in the TypeScript it threw, and skips its dependents', async () => {
    const rig = newRig({ 'kfmfile.ts': KFMFILE, 't.ts': TASK, 'lib/checkRows.ts': CHECK_ROWS });
    const r = await rig.run(['build', '-j', '1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    expect(normalized(r.stdout)).toBe(
      [
        'build <run>: 4 nodes, 1 job',
        'run      a/bad (no previous run)',
        'FAILED   a/bad: expected at least 3 rows, got 2',
        `         at ${BAD_AT}`,
        'skipped  a/after (a/bad failed)',
        'skipped  a/other (the build stopped after a failure)',
        'skipped  a/other2 (the build stopped after a failure)',
        'build failed: 0 executed, 0 cached, 1 failed, 3 skipped in <t>',
        '',
      ].join('\n'),
    );
    expect(BAD_AT).toBe('t.ts:14:11');

    // Nothing was stored for the failed node, and no version was named.
    const plan = await rig.run(['plan']);
    // In build order, as declared: a/after after a/bad, which it depends on.
    expect(plan.stdout).toBe(
      [
        'run     a/bad     no previous run',
        'run     a/after   no previous run',
        'run     a/other   no previous run',
        'run     a/other2  no previous run',
        'plan: 4 to run, 0 pending on upstream, 0 cached',
        '',
      ].join('\n'),
    );
  });

  it('--keep-going lets independent branches finish; the JSON report carries the failure', async () => {
    const rig = newRig({ 'kfmfile.ts': KFMFILE, 't.ts': TASK, 'lib/checkRows.ts': CHECK_ROWS });
    const { result, report } = await rig.buildJson(['--keep-going', '-j', '2']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('');
    expectValidReport('build', report);
    expect(report.status).toBe('failed');
    expect(report.nodes.map((n) => [n.id, n.status])).toEqual([
      ['a/after', 'skipped'],
      ['a/bad', 'failed'],
      ['a/other', 'executed'],
      ['a/other2', 'executed'],
    ]);
    const bad = report.nodes.find((n) => n.id === 'a/bad')!;
    expect(bad.error).toMatchObject({ message: 'expected at least 3 rows, got 2', location: BAD_AT });
    expect(bad.error!.stack).toContain(`Error: expected at least 3 rows, got 2\n    at t (${rig.path('t.ts')}:14:11)`);
    expect(report.counts).toEqual({ executed: 2, cached: 0, failed: 1, skipped: 1 });
    expect(report.nodes.find((n) => n.id === 'a/after')!.skipped_because).toEqual({ type: 'upstream-failed', upstream: 'a/bad' });
    // The dataset is incomplete: no version is named.
    expect(report.versions).toEqual([]);

    const plainKeepGoing = await rig.run(['build', '-k', '-j', '1']);
    expect(plainKeepGoing.code).toBe(1);
    expect(normalized(plainKeepGoing.stdout)).toBe(
      [
        'build <run>: 4 nodes, 1 job',
        'run      a/bad (no previous run)',
        'FAILED   a/bad: expected at least 3 rows, got 2',
        `         at ${BAD_AT}`,
        'skipped  a/after (a/bad failed)',
        'build failed: 0 executed, 2 cached, 1 failed, 1 skipped in <t>',
        '',
      ].join('\n'),
    );
  });

  it('a throw inside a helper module is located in that module; a fixed task then runs with its dependents', async () => {
    const kfmfile = `${KFMFILE_HEADER}export default defineKfm({ datasets: [
  dataset(spec('a'), [
    task('deep', { run: './t.ts', params: { rows: 4 } }),
    task('after', { run: './t.ts', deps: ['deep'] }),
  ]),
] });
`;
    const rig = newRig({ 'kfmfile.ts': kfmfile, 't.ts': TASK, 'lib/checkRows.ts': CHECK_ROWS });
    const { result, report } = await rig.buildJson();
    expect(result.code).toBe(1);
    expect(report.nodes.find((n) => n.id === 'a/deep')!.error).toMatchObject({
      message: 'too few rows: 4 < 10',
      location: `lib/checkRows.ts:${locate(CHECK_ROWS, 'new RangeError')}`,
    });
    expect(report.nodes.find((n) => n.id === 'a/after')!.status).toBe('skipped');

    rig.write({ 'kfmfile.ts': kfmfile.replace('rows: 4', 'rows: 12') });
    const fixed = await rig.buildJson();
    expect(fixed.result.code).toBe(0);
    expect(fixed.report.nodes.map((n) => [n.id, n.status, n.reason?.type])).toEqual([
      ['a/after', 'executed', 'no-previous-run'],
      ['a/deep', 'executed', 'no-previous-run'],
    ]);
  });
});
