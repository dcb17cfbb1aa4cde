/**
 * `kfm build --watch` through the real CLI: the plain output is the oracle (`run      <id>`
 * lines say which nodes ran in a cycle). Edits are made with the file system calls an
 * editor makes; the process is stopped with SIGINT as a terminal's Ctrl-C would.
 */
import { readdirSync, readlinkSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KFMFILE_HEADER, SHOUT_LIB, SLOW_TASK, UPPER_TASK, useCliRigs, type CliRig, type RunningCli } from '../support/cliRig.js';

const newRig = useCliRigs();

const PLAIN_TASK = `import type { TaskContext } from 'kfm';
export default async function plain(ctx: TaskContext): Promise<void> {
  await ctx.output(\`\${ctx.task}.txt\`, (await ctx.inputs[0]!.read()).toString('utf8'), 'text/plain');
}
`;

/** Writes its input's text; when that text is `wait`, first waits two minutes (or until the build is interrupted). */
const WAIT_TASK = `import type { TaskContext } from 'kfm';
export default async function slow(ctx: TaskContext): Promise<void> {
  const text = (await ctx.inputs[0]!.read()).toString('utf8').trim();
  if (text === 'wait') {
    ctx.log.info('waiting');
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, 120_000);
      ctx.signal.addEventListener('abort', () => { clearTimeout(timer); reject(new Error('aborted')); }, { once: true });
    });
  }
  await ctx.output('slow.txt', text, 'text/plain');
}
`;

const kfmfile = (suffix: string) => `${KFMFILE_HEADER}export default defineKfm({ datasets: [
  dataset(spec('alpha'), [
    task('a', { run: './upper.ts', inputs: ['src/a.txt'], zone: 'work' }),
    task('b', { run: './upper.ts', inputs: ['src/b.txt'], deps: ['a'], params: { suffix: '${suffix}' } }),
  ], { slice: '2017' }),
  dataset(spec('gamma'), [
    task('d', { run: './plain.ts', inputs: ['src/b.txt'] }),
    task('g', { run: './plain.ts', inputs: ['tables/*.csv'] }),
  ]),
] });
`;

function project(): CliRig {
  return newRig({
    'kfmfile.ts': kfmfile('!'),
    'upper.ts': UPPER_TASK,
    'plain.ts': PLAIN_TASK,
    'lib/shout.ts': SHOUT_LIB,
    'src/a.txt': 'alpha',
    'src/b.txt': 'beta',
    'tables/one.csv': 'x\n1\n',
  });
}

const WAITING = /^watch: waiting for changes \(.*\)$/gm;

/** Starts watch mode with plain output. */
function watch(rig: CliRig, args: string[] = []): RunningCli {
  return rig.start(['build', '--watch', '--reporter', 'plain', '-j', '2', ...args], { timeoutMs: 90_000 });
}

/** Resolves once the watcher has said `watch: waiting for changes` `n` times (n cycles are over). */
async function waiting(p: RunningCli, n: number): Promise<void> {
  await p.waitFor('stdout', new RegExp(`(?:[\\s\\S]*?^watch: waiting for changes[^\\n]*\\n){${n}}`, 'm'), 30_000);
}

/** The output of each cycle: stdout cut after each `watch: waiting` line. */
function cycles(stdout: string): string[] {
  return stdout.split(WAITING).map((s) => s.replace(/^\n/, ''));
}

/** The nodes a cycle ran, sorted. */
function ran(cycle: string): string[] {
  return [...cycle.matchAll(/^run +(\S+)/gm)].map((m) => m[1]!).sort();
}

/** Plain output with its varying parts (run ids, durations, digests) replaced. */
const normalized = (text: string) =>
  text
    .replace(/build \d{8}T\d{6}Z-[0-9a-f]{8}:/g, 'build <run>:')
    .replace(/ in \d+\.\d\ds/g, ' in <t>')
    .replace(/sha256:[0-9a-f]{12}/g, '<digest>');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Processes whose working directory is inside `dir` (Linux /proc; empty elsewhere). */
function processesIn(dir: string): number[] {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return [];
  }
  return pids.filter((pid) => {
    try {
      return readlinkSync(`/proc/${pid}/cwd`).startsWith(dir);
    } catch {
      return false;
    }
  }).map(Number);
}

describe('kfm build --watch', () => {
  it('builds, then on an input edit reruns only the nodes it affects', async () => {
    const rig = project();
    const p = watch(rig);
    await waiting(p, 1);
    expect(ran(cycles(p.stdout)[0]!)).toEqual(['alpha/a', 'alpha/b', 'gamma/d', 'gamma/g']);
    expect(p.stdout).toContain('watch: waiting for changes (7 files, 1 glob; Ctrl-C to quit)\n');

    rig.write({ 'src/b.txt': 'beta 2' });
    await waiting(p, 2);
    const second = cycles(p.stdout)[1]!;
    expect(ran(second)).toEqual(['alpha/b', 'gamma/d']);
    expect(normalized(second).split('\n').slice(0, 2)).toEqual(['watch: change in src/b.txt; rebuilding', 'build <run>: 4 nodes, 2 jobs']);
    expect(second).toMatch(/^run +alpha\/b \(input src\/b\.txt changed: sha256:[0-9a-f]{12} → sha256:[0-9a-f]{12}\)$/m);
    expect(second).toMatch(/^build succeeded: 2 executed, 2 cached, 0 failed, 0 skipped in /m);

    // A module a task imports: every node of that task module reruns, with the new code
    // (the pool's workers live on; the changed module is imported afresh).
    rig.write({ 'lib/shout.ts': "export const shout = (s: string): string => s.toUpperCase() + '?';\n" });
    await waiting(p, 3);
    expect(ran(cycles(p.stdout)[2]!)).toEqual(['alpha/a', 'alpha/b']);
    expect(p.running).toBe(true);
    expect(p.stderr).toBe('');
    const { report } = await rig.buildJson();
    expect(report.counts).toEqual({ executed: 0, cached: 4, failed: 0, skipped: 0 });
    const alpha = report.versions.find((v) => v.dataset_slug === 'alpha')!;
    expect(rig.read(`data/processed/alpha/${alpha.dataset_version_id}/out.txt`)).toBe('BETA 2|ALPHA??!');
  });

  it('an editor save (write test file, swap file, backup, write then rename) starts exactly one cycle', async () => {
    const rig = project();
    const p = watch(rig);
    await waiting(p, 1);
    // vim: tests the directory with "4913", keeps a swap file, renames the original to a
    // backup, writes the new file, removes the backup. Emacs: a lock symlink.
    writeFileSync(rig.path('src/4913'), '');
    unlinkSync(rig.path('src/4913'));
    writeFileSync(rig.path('src/.b.txt.swp'), 'swap');
    symlinkSync('user@host.1234', rig.path('src/.#b.txt'));
    renameSync(rig.path('src/b.txt'), rig.path('src/b.txt~'));
    writeFileSync(rig.path('src/b.txt.tmp'), 'beta, saved');
    renameSync(rig.path('src/b.txt.tmp'), rig.path('src/b.txt'));
    unlinkSync(rig.path('src/b.txt~'));
    await waiting(p, 2);
    // The swap file and the lock stay while the editor is open: they start nothing.
    await sleep(1_000);
    expect(p.stdout.match(/^watch: change in .*$/gm)).toEqual(['watch: change in src/b.txt; rebuilding']);
    expect(ran(cycles(p.stdout)[1]!)).toEqual(['alpha/b', 'gamma/d']);
    rmSync(rig.path('src/.b.txt.swp'));
    rmSync(rig.path('src/.#b.txt'));
    await sleep(500);
    expect(p.stdout.match(/^watch: change in .*$/gm)).toHaveLength(1);
  });

  it('a new file that an input glob matches starts a cycle; one it does not match does not', async () => {
    const rig = project();
    const p = watch(rig);
    await waiting(p, 1);
    rig.write({ 'tables/notes.md': 'not a table' });
    await sleep(800);
    expect(p.stdout).not.toContain('watch: change');
    rig.write({ 'tables/two.csv': 'x\n2\n' });
    await waiting(p, 2);
    const second = cycles(p.stdout)[1]!;
    expect(second.split('\n')[0]).toBe('watch: change in tables/two.csv; rebuilding');
    expect(ran(second)).toEqual(['gamma/g']);
    expect(second).toMatch(/^run +gamma\/g \(input tables\/two\.csv added \(sha256:[0-9a-f]{12}\)\)$/m);
    // A file in a new directory the glob does not reach, then one it does reach is removed.
    rig.write({ 'tables/deeper/three.csv': 'x\n3\n' });
    await sleep(800);
    expect(p.stdout.match(/^watch: change/gm)).toHaveLength(1);
    rmSync(rig.path('tables/one.csv'));
    await waiting(p, 3);
    expect(cycles(p.stdout)[2]!.split('\n')[0]).toBe('watch: change in tables/one.csv; rebuilding');
    expect(ran(cycles(p.stdout)[2]!)).toEqual(['gamma/g']);
  });

  it('a broken kfmfile shows the located error as kfm build does and keeps watching; fixing it rebuilds', async () => {
    const rig = project();
    const p = watch(rig);
    await waiting(p, 1);
    const broken = kfmfile('!').replace("zone: 'work' }),", "zone: 'work' ),");
    expect(broken).not.toBe(kfmfile('!'));
    rig.write({ 'kfmfile.ts': broken });
    await waiting(p, 2);
    // The same line `kfm build` exits 2 on.
    const once = await rig.run(['build']);
    expect(once.code).toBe(2);
    expect(once.stderr).toMatch(/^kfm: kfmfile\.ts:\d+:\d+: syntax error: .+\n$/);
    expect(p.stderr).toBe(once.stderr);
    expect(cycles(p.stdout)[1]).toBe('watch: change in kfmfile.ts; rebuilding\n');
    expect(p.running).toBe(true);

    rig.write({ 'kfmfile.ts': kfmfile('?') });
    await waiting(p, 3);
    const third = cycles(p.stdout)[2]!;
    expect(third.split('\n')[0]).toBe('watch: change in kfmfile.ts; rebuilding');
    expect(ran(third)).toEqual(['alpha/b']);
    expect(third).toMatch(/^run +alpha\/b \(param \/suffix changed: "!" → "\?"\)$/m);
  });

  it('a change to what a running task reads interrupts the build; the next cycle runs to completion', async () => {
    const rig = newRig({
      'kfmfile.ts': `${KFMFILE_HEADER}export default defineKfm({ datasets: [
  dataset(spec('a'), [
    task('slow', { run: './wait.ts', inputs: ['src/s.txt'] }),
    task('quick', { run: './plain.ts', inputs: ['src/q.txt'] }),
    task('after', { run: './plain.ts', inputs: ['src/q.txt'], deps: ['slow'] }),
  ], { slice: '2022' }),
] });
`,
      'wait.ts': WAIT_TASK,
      'plain.ts': PLAIN_TASK,
      'src/s.txt': 'wait',
      'src/q.txt': 'q',
    });
    const p = watch(rig);
    await p.waitFor('stdout', '  a/slow: waiting');
    await p.waitFor('stdout', 'done     a/quick');
    rig.write({ 'src/s.txt': 'go' });
    await waiting(p, 1);
    // Versions and receipts lines left out: they are not watch mode's.
    const lines = normalized(p.stdout)
      .trimEnd()
      .split('\n')
      .filter((l) => /^(watch:|build|run|done|FAILED|skipped) /.test(l));
    expect(lines.slice(lines.indexOf('watch: change in src/s.txt; interrupting the build'))).toEqual([
      'watch: change in src/s.txt; interrupting the build',
      'FAILED   a/slow: interrupted',
      'skipped  a/after (a/slow failed)',
      'build interrupted: 1 executed, 0 cached, 1 failed, 1 skipped in <t>',
      'watch: change in src/s.txt; rebuilding',
      'build <run>: 3 nodes, 2 jobs',
      'run      a/slow (no previous run)',
      'done     a/slow in <t> (1 output)',
      'run      a/after (no previous run)',
      'done     a/after in <t> (1 output)',
      'build succeeded: 2 executed, 1 cached, 0 failed, 0 skipped in <t>',
      'watch: waiting for changes (5 files; Ctrl-C to quit)',
    ]);
    expect(p.stderr).toBe('');
  });

  it('a change to a node the running build has finished lets it finish, then rebuilds that node', async () => {
    const rig = newRig({
      'kfmfile.ts': `${KFMFILE_HEADER}export default defineKfm({ datasets: [
  dataset(spec('a'), [
    task('slow', { run: './slow.ts' }),
    task('quick', { run: './plain.ts', inputs: ['src/q.txt'] }),
  ]),
] });
`,
      'slow.ts': SLOW_TASK,
      'plain.ts': PLAIN_TASK,
      'src/q.txt': 'q',
    });
    const p = watch(rig);
    await p.waitFor('stdout', '  a/slow: first output written');
    await p.waitFor('stdout', 'done     a/quick');
    rig.write({ 'src/q.txt': 'q 2' });
    await p.waitFor('stdout', 'watch: change in src/q.txt; rebuilding after this build\n');
    rig.write({ release: '' });
    await waiting(p, 1);
    // No `watch: waiting` between: the change was already there when the first build ended.
    const [first, second] = p.stdout.split('watch: change in src/q.txt; rebuilding\n');
    expect(first).toMatch(/^build succeeded: 2 executed, 0 cached, 0 failed, 0 skipped in .*\n$/m);
    expect(ran(second!)).toEqual(['a/quick']);
    expect(second).toMatch(/^build succeeded: 1 executed, 1 cached, 0 failed, 0 skipped in /m);
  });

  it('Ctrl-C while waiting exits 0 and leaves no process behind', async () => {
    const rig = project();
    const p = watch(rig);
    await waiting(p, 1);
    expect(processesIn(rig.dir)).toContain(p.pid);
    p.kill('SIGINT');
    const end = await p.exited;
    expect({ code: end.code, signal: end.signal, stderr: end.stderr }).toEqual({ code: 0, signal: null, stderr: '' });
    expect(processesIn(rig.dir)).toEqual([]);
  });

  it('Ctrl-C during a build interrupts it and exits 130', async () => {
    const rig = newRig({
      'kfmfile.ts': `${KFMFILE_HEADER}export default defineKfm({ datasets: [dataset(spec('a'), [task('slow', { run: './wait.ts', inputs: ['src/s.txt'] })])] });
`,
      'wait.ts': WAIT_TASK,
      'src/s.txt': 'wait',
    });
    const p = watch(rig);
    await p.waitFor('stdout', '  a/slow: waiting');
    p.kill('SIGINT');
    const end = await p.exited;
    expect(end.code).toBe(130);
    expect(end.stderr).toBe('kfm: interrupted; stopping running tasks (Ctrl-C again to quit at once)\n');
    expect(end.stdout).toMatch(/^build interrupted: 0 executed, 0 cached, 1 failed, 0 skipped in /m);
    expect(end.stdout).not.toContain('watch: waiting');
    expect(processesIn(rig.dir)).toEqual([]);
  });

  it('--json prints one report per cycle, one per line (NDJSON), and an error document for a cycle that cannot load', async () => {
    const rig = project();
    const p = rig.start(['watch', '--json', '-j', '2'], { timeoutMs: 90_000 });
    const lines = (n: number) => p.waitFor('stdout', new RegExp(`^(?:.+\\n){${n}}`), 30_000);
    await lines(1);
    rig.write({ 'src/a.txt': 'alpha 2' });
    await lines(2);
    rig.write({ 'kfmfile.ts': 'export default defineKfm({' });
    await lines(3);
    const docs = p.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(docs.map((d) => d['kfm_build_report_version'] ?? d['kfm_error_version'])).toEqual(['v1', 'v1', 'v1']);
    const statuses = (d: Record<string, unknown>) =>
      Object.fromEntries((d['nodes'] as { id: string; status: string }[]).map((n) => [n.id, n.status]));
    expect(statuses(docs[0]!)).toEqual({ 'alpha/a': 'executed', 'alpha/b': 'executed', 'gamma/d': 'executed', 'gamma/g': 'executed' });
    expect(statuses(docs[1]!)).toEqual({ 'alpha/a': 'executed', 'alpha/b': 'executed', 'gamma/d': 'cached', 'gamma/g': 'cached' });
    expect(docs[2]).toMatchObject({ error: { code: 'kfmfile', location: { file: 'kfmfile.ts' } } });
    expect(p.stderr).toContain('kfm: watch: change in src/a.txt; rebuilding\n');
    p.kill('SIGINT');
    expect((await p.exited).code).toBe(0);
  });
});
