/** Commands, flags, help and version: what the CLI says before any project is involved. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HELP } from '../../cli/help.js';
import { KFMFILE_HEADER, REPO_ROOT, useCliRigs, type CliResult } from '../support/cliRig.js';
import { expectValidReport } from './reportSchemas.js';

const newRig = useCliRigs();

const version = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

function project() {
  return newRig({
    'kfmfile.ts': `${KFMFILE_HEADER}export default defineKfm({ datasets: [dataset(spec('a'), [task('x', { run: './t.ts' })], { slice: '2020' })] });\n`,
    't.ts': `export default async function t(ctx: { output(n: string, d: string, m: string): Promise<unknown> }) { await ctx.output('o.txt', 'x', 'text/plain'); }\n`,
  });
}

const usageError = (r: CliResult, message: string) =>
  expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 2, stdout: '', stderr: `kfm: ${message}\n` });

describe('the kfm command line', () => {
  it('--help, -h and help print the help on stdout and exit 0', async () => {
    const rig = newRig({});
    for (const args of [['--help'], ['-h'], ['help']]) {
      expect(await rig.run(args)).toEqual({ code: 0, signal: null, stdout: HELP, stderr: '' });
    }
    // A command's --help is that command's (test/e2e/toolbox.test.ts checks every command).
    expect((await rig.run(['build', '--help'])).stdout).toMatch(/^usage: kfm build \[/);
  });

  it('no command prints the help and exits 2', async () => {
    const r = await newRig({}).run([]);
    expect(r).toMatchObject({ code: 2, stdout: HELP });
  });

  it('--version prints the package version', async () => {
    expect(await newRig({}).run(['--version'])).toEqual({ code: 0, signal: null, stdout: `kfm ${version}\n`, stderr: '' });
  });

  it('an unknown command exits 2 and lists the commands', async () => {
    const rig = project();
    usageError(await rig.run(['frob']), 'unknown command "frob" (commands: build, plan, explain, check, promote, approve, validate, catalog, receipts, status, log, watch, fsck, graph, init, gc, clean, rebuild, rollback, serve, worker; see kfm --help)');
    const json = await rig.run(['frob', '--json']);
    expect(json.code).toBe(2);
    expect(json.stderr).toBe('kfm: unknown command "frob" (commands: build, plan, explain, check, promote, approve, validate, catalog, receipts, status, log, watch, fsck, graph, init, gc, clean, rebuild, rollback, serve, worker; see kfm --help)\n');
    const report = JSON.parse(json.stdout) as unknown;
    expectValidReport('error', report);
    expect(report).toEqual({
      kfm_error_version: 'v1',
      error: { code: 'usage', message: 'unknown command "frob" (commands: build, plan, explain, check, promote, approve, validate, catalog, receipts, status, log, watch, fsck, graph, init, gc, clean, rebuild, rollback, serve, worker; see kfm --help)', location: null },
    });
  });

  it('bad flags exit 2 with the reason', async () => {
    const rig = project();
    // In kfm's words, pointing at the help of the command being run.
    usageError(await rig.run(['build', '--frob']), "unknown option '--frob' (see kfm build --help)");
    usageError(await rig.run(['-C', '.', 'log', '-x']), "unknown option '-x' (see kfm log --help)");
    usageError(await rig.run(['--frob']), "unknown option '--frob' (see kfm --help)");
    usageError(await rig.run(['build', '-j']), '--jobs needs a value (see kfm build --help)');
    usageError(await rig.run(['status', '--json=yes']), '--json does not take a value (see kfm status --help)');
    const disagree = await rig.run(['build', '--json', '--reporter', 'plain']);
    expect({ code: disagree.code, stderr: disagree.stderr }).toEqual({ code: 2, stderr: 'kfm: --json and --reporter plain disagree: give one\n' });
    usageError(await rig.run(['build', '--jobs', '0']), '--jobs needs a positive integer (got "0")');
    usageError(await rig.run(['build', '-j', 'two']), '--jobs needs a positive integer (got "two")');
    usageError(await rig.run(['build', '--reporter', 'xml']), 'unknown reporter "xml" (ink, plain or json)');
  });

  it('bad targets exit 2 and nothing runs', async () => {
    const rig = project();
    usageError(await rig.run(['build', 'A@2020']), 'invalid target "A@2020": the dataset slug must match ^[a-z0-9_]+$');
    usageError(await rig.run(['build', 'a@20']), 'invalid target "a@20": the slice must be YYYY, YYYY-MM or YYYY-MM-DD');
    usageError(await rig.run(['plan', 'b']), 'unknown dataset "b" (datasets: a)');
    const json = await rig.run(['build', 'b', '--json']);
    expect(json.code).toBe(2);
    expectValidReport('error', JSON.parse(json.stdout));
    const plan = await rig.run(['plan']);
    expect(plan.stdout).toBe('run     a/x  no previous run\nplan: 1 to run, 0 pending on upstream, 0 cached\n');
  });

  it('--reporter json is --json', async () => {
    const rig = project();
    const r = await rig.run(['build', '--reporter', 'json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as unknown;
    expectValidReport('build', report);
    expect(report).toMatchObject({ status: 'succeeded', counts: { executed: 1 } });
  });
});
