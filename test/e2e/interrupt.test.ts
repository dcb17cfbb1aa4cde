/**
 * A build that dies (SIGKILL) or is interrupted (SIGINT) mid-run: the next build completes,
 * nothing half-written is taken for a result, and no temp files stay behind.
 */
import { readdirSync } from 'node:fs';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { KFMFILE_HEADER, SLOW_TASK, useCliRigs } from '../support/cliRig.js';
import { expectValidReport } from './reportSchemas.js';

const newRig = useCliRigs();

const QUICK_TASK = `import type { TaskContext } from 'kfm';
export default async function quick(ctx: TaskContext): Promise<void> {
  const parts = [ctx.id];
  for (const dep of Object.keys(ctx.upstream).sort()) parts.push(...Object.keys(ctx.upstream[dep]!).sort());
  await ctx.output(\`\${ctx.task}.txt\`, parts.join(','), 'text/plain');
}
`;

const KFMFILE = `${KFMFILE_HEADER}export default defineKfm({ datasets: [
  dataset(spec('a'), [
    task('slow', { run: './slow.ts' }),
    task('quick', { run: './quick.ts' }),
    task('after', { run: './quick.ts', deps: ['slow'] }),
  ], { slice: '2022' }),
] });
`;

const FILES = { 'kfmfile.ts': KFMFILE, 'slow.ts': SLOW_TASK, 'quick.ts': QUICK_TASK };

const normalized = (text: string) =>
  text.replace(/build \d{8}T\d{6}Z-[0-9a-f]{8}:/g, 'build <run>:').replace(/ in \d+\.\d\ds/g, ' in <t>');

describe('an interrupted build', () => {
  it('killed with SIGKILL mid-run: the next build completes with correct outputs and sweeps the store temp dir', async () => {
    const rig = newRig(FILES);
    const killed = rig.start(['build', '-j', '2']);
    await killed.waitFor('stdout', '  a/slow: first output written');
    killed.kill('SIGKILL');
    const end = await killed.exited;
    expect(end).toMatchObject({ code: null, signal: 'SIGKILL' });

    // What a writer killed mid-copy leaves behind.
    rig.write({ [`.kfm/store/tmp/${killed.pid}-0123456789abcdef`]: 'half an obj' });
    rig.write({ release: '' });

    const { result, report } = await rig.buildJson(['-j', '2']);
    // The kernel released the dead build's lock: no waiting.
    expect(result.stderr).toBe('');
    expect(result.code, result.stdout).toBe(0);
    expectValidReport('build', report);
    // a/slow was running when the build died: nothing of it was taken for a result.
    expect(report.nodes.filter((n) => n.id !== 'a/quick').map((n) => [n.id, n.status, n.reason?.type])).toEqual([
      ['a/after', 'executed', 'no-previous-run'],
      ['a/slow', 'executed', 'no-previous-run'],
    ]);
    const dvid = report.versions[0]!.dataset_version_id;
    expect(rig.read(`data/processed/a/${dvid}/first.txt`)).toBe('first');
    expect(rig.read(`data/processed/a/${dvid}/second.txt`)).toBe('second');
    expect(rig.read(`data/processed/a/${dvid}/quick.txt`)).toBe('a/quick');
    expect(rig.read(`data/processed/a/${dvid}/after.txt`)).toBe('a/after,first.txt,second.txt');
    expect(readdirSync(rig.path('.kfm/store/tmp'))).toEqual([]);

    const db = new Database(rig.path('.kfm/state.db'), { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
  });

  it('killed with SIGKILL: a node that finished well before the kill keeps its result', async () => {
    const rig = newRig(FILES);
    const killed = rig.start(['build', '-j', '2']);
    await killed.waitFor('stdout', '  a/slow: first output written');
    await killed.waitFor('stdout', 'done     a/quick');
    // Results may be recorded in groups, but a finished node waits at most
    // COMMIT_INTERVAL_MS (engine/schedule/build.ts; well under a second) to be recorded.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    killed.kill('SIGKILL');
    expect(await killed.exited).toMatchObject({ code: null, signal: 'SIGKILL' });

    rig.write({ release: '' });
    const { result, report } = await rig.buildJson(['-j', '2']);
    expect(result.code, result.stdout).toBe(0);
    expect(report.nodes.map((n) => [n.id, n.status])).toEqual([
      ['a/after', 'executed'],
      ['a/quick', 'cached'],
      ['a/slow', 'executed'],
    ]);
  });

  it('SIGINT stops running tasks and exits 130; the interrupted node has no stored result', async () => {
    const rig = newRig(FILES);
    const interrupted = rig.start(['build', '-j', '1', 'a']);
    await interrupted.waitFor('stdout', '  a/slow: first output written');
    interrupted.kill('SIGINT');
    const end = await interrupted.exited;
    expect(end.code).toBe(130);
    expect(end.stderr).toBe('kfm: interrupted; stopping running tasks (Ctrl-C again to quit at once)\n');
    expect(normalized(end.stdout)).toBe(
      [
        'build <run>: 3 nodes, 1 job',
        'run      a/slow (no previous run)',
        '  a/slow: first output written',
        'FAILED   a/slow: interrupted',
        'skipped  a/after (a/slow failed)',
        'skipped  a/quick (interrupted)',
        'build interrupted: 0 executed, 0 cached, 1 failed, 2 skipped in <t>',
        '',
      ].join('\n'),
    );
    expect(readdirSync(rig.path('.kfm/store/tmp'))).toEqual([]);

    const explain = await rig.run(['explain', 'a', 'slow']);
    expect(explain.stdout).toBe('a/slow: will run\n  - no previous run\n');

    rig.write({ release: '' });
    const { result, report } = await rig.buildJson(['-j', '1']);
    expect(result.code).toBe(0);
    expect(report.nodes.find((n) => n.id === 'a/slow')).toMatchObject({ status: 'executed', reason: { type: 'no-previous-run' } });
    expect(report.counts).toEqual({ executed: 3, cached: 0, failed: 0, skipped: 0 });
  });
});
