/** Two builds of one project at once: the second waits for the project lock, and says so. */
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { KFMFILE_HEADER, SLOW_TASK, useCliRigs, type BuildReport, type CliRig, type RunningCli } from '../support/cliRig.js';
import { expectValidReport } from './reportSchemas.js';

const newRig = useCliRigs();

const QUICK_TASK = `import type { TaskContext } from 'kfm';
export default async function quick(ctx: TaskContext): Promise<void> {
  await ctx.output(\`\${ctx.task}.txt\`, ctx.id, 'text/plain');
}
`;

const FILES = {
  'kfmfile.ts': `${KFMFILE_HEADER}export default defineKfm({ datasets: [
  dataset(spec('a'), [
    task('slow', { run: './slow.ts' }),
    task('quick', { run: './quick.ts' }),
  ], { slice: '2023' }),
] });
`,
  'slow.ts': SLOW_TASK,
  'quick.ts': QUICK_TASK,
};

const ISO = String.raw`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z`;

/** Starts a build that holds the project lock until `release` is written. */
async function holdLock(rig: CliRig): Promise<RunningCli> {
  const holder = rig.start(['build', '-j', '2']);
  await holder.waitFor('stdout', '  a/slow: first output written');
  return holder;
}

function runsIn(rig: CliRig): { status: string }[] {
  const db = new Database(rig.path('.kfm/state.db'), { readonly: true });
  try {
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    return db.prepare('SELECT status FROM runs ORDER BY started_at').all() as { status: string }[];
  } finally {
    db.close();
  }
}

describe('two builds at once', () => {
  it('the second waits for the lock, naming its holder, and both succeed', async () => {
    const rig = newRig(FILES);
    const first = await holdLock(rig);
    const second = rig.start(['build', '--json']);
    await second.waitFor('stderr', 'kfm: waiting for the project lock');
    expect(second.stderr).toMatch(new RegExp(`^kfm: waiting for the project lock held by kfm build \\(pid ${first.pid}, since ${ISO}\\)\\n$`));
    expect(first.running).toBe(true);

    rig.write({ release: '' });
    const [a, b] = await Promise.all([first.exited, second.exited]);
    expect(a.code).toBe(0);
    expect(a.stderr).toBe('');
    expect(b.code).toBe(0);
    expect(b.stderr).toMatch(/^kfm: waiting for the project lock held by kfm build \(pid \d+, since [^)]+\)\n$/);
    const report = JSON.parse(b.stdout) as BuildReport;
    expectValidReport('build', report);
    // The second build read state after the first had finished: all cached.
    expect(report.counts).toEqual({ executed: 0, cached: 2, failed: 0, skipped: 0 });

    expect(runsIn(rig).map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
    const third = await rig.buildJson();
    expect(third.result).toMatchObject({ code: 0, stderr: '' });
    expect(third.report.counts).toEqual({ executed: 0, cached: 2, failed: 0, skipped: 0 });
  });

  it('Ctrl-C while waiting for the lock stops the wait at once (exit 130); the holder finishes', async () => {
    const rig = newRig(FILES);
    const first = await holdLock(rig);
    const second = rig.start(['build']);
    await second.waitFor('stderr', 'kfm: waiting for the project lock');
    second.kill('SIGINT');
    const settled = await Promise.race([second.exited, new Promise<'still waiting'>((r) => setTimeout(() => r('still waiting'), 5_000))]);
    expect(settled).not.toBe('still waiting');
    expect(first.running).toBe(true);
    const b = await second.exited;
    expect(b.code).toBe(130);
    expect(b.stdout).toBe('');
    expect(b.stderr).toMatch(
      new RegExp(
        [
          `^kfm: waiting for the project lock held by kfm build \\(pid ${first.pid}, since ${ISO}\\)`,
          'kfm: interrupted; stopping running tasks \\(Ctrl-C again to quit at once\\)',
          'kfm: interrupted while waiting for the project lock\\n$',
        ].join('\\n'),
      ),
    );

    rig.write({ release: '' });
    expect((await first.exited).code).toBe(0);
    expect(runsIn(rig).map((r) => r.status)).toEqual(['succeeded']);
  });

  it('builds started together on a fresh project both succeed', async () => {
    const rig = newRig({ ...FILES, release: '' });
    const [a, b] = await Promise.all([rig.buildJson(), rig.buildJson()]);
    for (const { result, report } of [a, b]) {
      expect(result.code).toBe(0);
      expect(result.stderr).toMatch(/^(kfm: waiting for the project lock held by kfm build \(pid \d+, since [^)]+\)\n)?$/);
      expectValidReport('build', report);
    }
    const executed = [a, b].map((x) => x.report.counts.executed).sort();
    expect(executed).toEqual([0, 2]);
    expect(runsIn(rig).map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
  });
});
