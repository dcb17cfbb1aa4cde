/**
 * A kfmfile that cannot be loaded or does not describe a valid graph: each problem is one
 * line on stderr, `kfm: <file>:<line>:<col>: <message>`, nothing on stdout, exit 2.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KFMFILE_HEADER, locate, useCliRigs, type CliResult } from '../support/cliRig.js';
import { expectValidReport } from './reportSchemas.js';

const newRig = useCliRigs();

const TASK = `import type { TaskContext } from 'kfm';
export default async function t(ctx: TaskContext): Promise<void> {
  await ctx.output('o.txt', ctx.id, 'text/plain');
}
`;

/** Writes a project whose kfmfile is the header plus `body`; returns the kfmfile text too. */
function projectWith(body: string, extra: Record<string, string> = {}) {
  const source = `${KFMFILE_HEADER}${body}`;
  const rig = newRig({ 'kfmfile.ts': source, 't.ts': TASK, ...extra });
  return { rig, source };
}

/** Exit 2, nothing on stdout, exactly this one line on stderr. */
function expectKfmfileError(r: CliResult, line: string): void {
  expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 2, stdout: '', stderr: `kfm: ${line}\n` });
}

describe('kfmfile errors', () => {
  it('a syntax error, at the offending token', async () => {
    const { rig, source } = projectWith(`export default defineKfm({ datasets: [
  dataset(spec('a'), [task('x', { run: './t.ts' }) ]
] });
`);
    // The header's spec helper also ends in `] });`: the second one is the body's.
    expectKfmfileError(await rig.run(['build']), `kfmfile.ts:${locate(source, '] });', 2)}: syntax error: Expected ',', got ']'`);
  });

  it('TypeScript syntax that type stripping rejects (a decorator), at the decorator', async () => {
    const { rig, source } = projectWith(`function sealed<T>(target: T, _context: ClassDecoratorContext): T { return target; }
@sealed class Registry {}
export default defineKfm({ datasets: [dataset(spec('a'), [task('x', { run: './t.ts' })])] });
`);
    expectKfmfileError(await rig.run(['build']), `kfmfile.ts:${locate(source, '@sealed')}: syntax error: Expression expected`);
  });

  // swc lets an `accessor` field through and V8 rejects it without a position: kfm finds it
  // with `node --check` on the compiled code and maps it back (engine/load/v8SyntaxLocation.ts).
  it('a syntax error only V8 finds (after swc), at the offending token', async () => {
    const { rig, source } = projectWith(`class Registry { accessor size = 1; }
export default defineKfm({ datasets: [dataset(spec('a'), [task('x', { run: './t.ts' })])] });
`);
    expectKfmfileError(await rig.run(['build']), `kfmfile.ts:${locate(source, 'size')}: syntax error: Unexpected identifier 'size'`);
  });

  it('an error thrown while the kfmfile runs, at the throw', async () => {
    const { rig, source } = projectWith(`const slice = (): string => { throw new Error('KFM_SLICE is not set'); };
export default defineKfm({ datasets: [dataset(spec('a'), [task('x', { run: './t.ts' })], { slice: slice() })] });
`);
    expectKfmfileError(await rig.run(['build']), `kfmfile.ts:${locate(source, "new Error('KFM")}: error while loading the kfmfile: KFM_SLICE is not set`);
  });

  it('no default export', async () => {
    const { rig } = projectWith(`export const config = defineKfm({ datasets: [dataset(spec('a'), [task('x', { run: './t.ts' })])] });
`);
    expectKfmfileError(await rig.run(['build']), 'kfmfile.ts: the kfmfile must `export default defineKfm({ datasets: [...] })`');
  });

  it('a dependency cycle, at the first task of the cycle', async () => {
    const { rig, source } = projectWith(`export default defineKfm({ datasets: [
  dataset(spec('a'), [
    task('x', { run: './t.ts', deps: ['y'] }),
    task('y', { run: './t.ts', deps: ['other/z'] }),
  ]),
  dataset(spec('other'), [task('z', { run: './t.ts', deps: ['a/x'] })]),
] });
`);
    expectKfmfileError(await rig.run(['plan']), `kfmfile.ts:${locate(source, "task('x'")}: dependency cycle: a/x -> a/y -> other/z -> a/x`);
  });

  it('a task that depends on itself', async () => {
    const { rig, source } = projectWith(`export default defineKfm({ datasets: [
  dataset(spec('a'), [task('x', { run: './t.ts', deps: ['x'] })]),
] });
`);
    expectKfmfileError(await rig.run(['build']), `kfmfile.ts:${locate(source, "task('x'")}: task "a/x" depends on itself`);
  });

  it('an unknown dependency', async () => {
    const { rig, source } = projectWith(`export default defineKfm({ datasets: [
  dataset(spec('a'), [
    task('x', { run: './t.ts' }),
    task('y', { run: './t.ts', deps: ['x', 'b/nope'] }),
  ]),
] });
`);
    expectKfmfileError(await rig.run(['build']), `kfmfile.ts:${locate(source, "task('y'")}: task "a/y" depends on unknown task "b/nope"`);
  });

  it('a duplicate dataset, naming the first declaration', async () => {
    const { rig, source } = projectWith(`export default defineKfm({ datasets: [
  dataset(spec('a'), [task('x', { run: './t.ts' })]),
  dataset(spec('b'), [task('x', { run: './t.ts' })]),
  dataset(spec('a'), [task('y', { run: './t.ts' })]),
] });
`);
    const first = locate(source, "dataset(spec('a')");
    const second = locate(source, "dataset(spec('a'), [task('y'");
    expectKfmfileError(await rig.run(['build']), `kfmfile.ts:${second}: duplicate dataset "a" (first declared at kfmfile.ts:${first})`);
  });

  it('a duplicate task, naming the first declaration', async () => {
    const { rig, source } = projectWith(`export default defineKfm({ datasets: [
  dataset(spec('a'), [
    task('x', { run: './t.ts' }),
    task('x', { run: './t.ts', params: { again: true } }),
  ]),
] });
`);
    const first = locate(source, "task('x', { run: './t.ts' })");
    const second = locate(source, "task('x', { run: './t.ts', params");
    expectKfmfileError(await rig.run(['build']), `kfmfile.ts:${second}: duplicate task "x" in dataset "a" (first declared at kfmfile.ts:${first})`);
  });

  it('a bad dataset slug', async () => {
    const { rig, source } = projectWith(`export default defineKfm({ datasets: [
  dataset(spec('KS-Counties'), [task('x', { run: './t.ts' })]),
] });
`);
    expectKfmfileError(await rig.run(['build']), `kfmfile.ts:${locate(source, 'dataset(spec(')}: dataset slug "KS-Counties" is invalid: it must match ^[a-z0-9_]+$`);
  });

  it('a bad task name', async () => {
    const { rig, source } = projectWith(`export default defineKfm({ datasets: [
  dataset(spec('a'), [task('Clean Up', { run: './t.ts' })]),
] });
`);
    expectKfmfileError(
      await rig.run(['build']),
      `kfmfile.ts:${locate(source, "task('Clean")}: task name "Clean Up" in dataset "a" is invalid: it must match ^[a-z0-9_][a-z0-9_-]*$`,
    );
  });

  it("params that fail the task module's paramsSchema, listing every problem", async () => {
    const schemaTask = `import type { TaskContext } from 'kfm';
export const paramsSchema = { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'], additionalProperties: false };
export default async function t(ctx: TaskContext): Promise<void> {
  await ctx.output('o.txt', JSON.stringify(ctx.params), 'application/json');
}
`;
    const { rig, source } = projectWith(
      `export default defineKfm({ datasets: [
  dataset(spec('x'), [
    task('ok', { run: './t.ts' }),
    task('y', { run: './checked.ts', params: { n: 'three', extra: 1 } }),
  ]),
] });
`,
      { 'checked.ts': schemaTask },
    );
    const line = `kfmfile.ts:${locate(source, "task('y'")}: params of task "x/y" do not match the schema of ./checked.ts: / must NOT have additional properties (extra); /n must be integer`;
    expectKfmfileError(await rig.run(['build']), line);
    // Checked before anything runs: no node ran, no result was stored.
    const plan = await rig.run(['plan']);
    expect(plan.stdout).toBe('run     x/ok  no previous run\nrun     x/y   no previous run\nplan: 2 to run, 0 pending on upstream, 0 cached\n');

    const json = await rig.run(['build', '--json']);
    expect(json.code).toBe(2);
    expect(json.stderr).toBe(`kfm: ${line}\n`);
    const report = JSON.parse(json.stdout) as unknown;
    expectValidReport('error', report);
    expect(report).toEqual({
      kfm_error_version: 'v1',
      error: {
        code: 'kfmfile',
        message: 'params of task "x/y" do not match the schema of ./checked.ts: / must NOT have additional properties (extra); /n must be integer',
        location: { file: 'kfmfile.ts', line: 6, column: 5 },
      },
    });
  });

  it('an input glob that matches nothing', async () => {
    const { rig, source } = projectWith(
      `export default defineKfm({ datasets: [
  dataset(spec('a'), [task('x', { run: './t.ts', inputs: ['src/*.txt', 'src/*.csv'] })]),
] });
`,
      { 'src/one.txt': '1' },
    );
    expectKfmfileError(await rig.run(['build']), `kfmfile.ts:${locate(source, "task('x'")}: input pattern "src/*.csv" of task "a/x" matches no files`);
    expectKfmfileError(await rig.run(['plan']), `kfmfile.ts:${locate(source, "task('x'")}: input pattern "src/*.csv" of task "a/x" matches no files`);
  });

  it('a missing task module', async () => {
    const { rig, source } = projectWith(`export default defineKfm({ datasets: [
  dataset(spec('a'), [task('x', { run: './tasks/missing.ts' })]),
] });
`);
    expectKfmfileError(await rig.run(['build']), `kfmfile.ts:${locate(source, "task('x'")}: task module "./tasks/missing.ts" of task "a/x" does not exist`);
  });

  it('a syntax error in a task module, at its line in that module', async () => {
    const broken = `import type { TaskContext } from 'kfm';
export default async function t(ctx: TaskContext): Promise<void> {
  const parts = [1, 2;
  await ctx.output('o.txt', String(parts), 'text/plain');
}
`;
    const { rig } = projectWith(
      `export default defineKfm({ datasets: [
  dataset(spec('a'), [task('x', { run: './broken.ts' })]),
] });
`,
      { 'broken.ts': broken },
    );
    // The line only: swc's caret column counts a tab as several spaces, so it is not kept.
    expectKfmfileError(await rig.run(['build']), "broken.ts:3: cannot parse broken.ts: Expected ',', got ';'");
  });
});

describe('finding the kfmfile', () => {
  const VALID = `export default defineKfm({ datasets: [
  dataset(spec('a'), [task('x', { run: './t.ts' })]),
] });
`;
  const BROKEN = `export default defineKfm({ datasets: [
  dataset(spec('a'), [task('x', { run: './t.ts', deps: ['nope'] })]),
] });
`;

  it('none in the directory or any parent', async () => {
    const rig = newRig({});
    expectKfmfileError(await rig.run(['build']), `no kfmfile.ts found in ${rig.dir} or any parent directory`);
  });

  it('searches upwards from a subdirectory', async () => {
    const { rig } = projectWith(VALID, { 'sub/deeper/.keep': '' });
    const r = await rig.run(['plan'], { cwd: 'sub/deeper' });
    expect(r).toMatchObject({ code: 0, stderr: '', stdout: 'run     a/x  no previous run\nplan: 1 to run, 0 pending on upstream, 0 cached\n' });
  });

  it('-C and --directory run as if started there; errors name the kfmfile from where kfm was started', async () => {
    const rig = newRig({ 'proj/kfmfile.ts': `${KFMFILE_HEADER}${VALID}`, 'proj/t.ts': TASK, 'broken/kfmfile.ts': `${KFMFILE_HEADER}${BROKEN}`, 'broken/t.ts': TASK });
    const plan = await rig.run(['-C', 'proj', 'plan']);
    expect(plan).toMatchObject({ code: 0, stderr: '', stdout: 'run     a/x  no previous run\nplan: 1 to run, 0 pending on upstream, 0 cached\n' });
    const build = await rig.run(['build', '--directory', 'proj', '--json']);
    expect(build.code).toBe(0);
    expect((JSON.parse(build.stdout) as { status: string }).status).toBe('succeeded');
    const where = locate(`${KFMFILE_HEADER}${BROKEN}`, "task('x'");
    expectKfmfileError(await rig.run(['-C', 'broken', 'build']), `broken/kfmfile.ts:${where}: task "a/x" depends on unknown task "nope"`);
  });

  it('-C naming a directory that does not exist is a usage error, not a search from its parent', async () => {
    const { rig } = projectWith(VALID);
    expectKfmfileError(await rig.run(['-C', 'nope', 'plan']), '-C nope: no such directory');
    expectKfmfileError(await rig.run(['-C', 't.ts', 'plan']), '-C t.ts: not a directory');
  });

  it('--file uses that kfmfile; its directory is the project root', async () => {
    const rig = newRig({ 'pipelines/main.ts': `${KFMFILE_HEADER}${VALID}`, 'pipelines/t.ts': TASK });
    const r = await rig.run(['build', '--file', 'pipelines/main.ts', '--json']);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { status: string }).status).toBe('succeeded');
    expect(rig.path('pipelines/.kfm/state.db')).toSatisfy((p: string) => existsSync(p));
    const short = await rig.run(['plan', '-f', 'pipelines/main.ts']);
    expect(short).toMatchObject({ code: 0, stdout: 'cached  a/x\nplan: 0 to run, 0 pending on upstream, 1 cached\n' });
    const where = locate(`${KFMFILE_HEADER}${BROKEN}`, "task('x'");
    rig.write({ 'pipelines/main.ts': `${KFMFILE_HEADER}${BROKEN}` });
    expectKfmfileError(await rig.run(['build', '--file', 'pipelines/main.ts']), `pipelines/main.ts:${where}: task "a/x" depends on unknown task "nope"`);
    expectKfmfileError(await rig.run(['build', '--file', 'pipelines/none.ts']), `kfmfile ${rig.path('pipelines/none.ts')} does not exist`);
  });
});
