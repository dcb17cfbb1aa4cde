/**
 * Which reporter a build uses, and that Ink and React (about half a second to import) are
 * loaded only when the Ink reporter is: checked in child processes of the real CLI with a
 * resolve hook that records every module URL (recordResolves.mjs).
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { autoReporter } from '../../cli/reporters/chooseReporter.js';
import { KFM_BIN, KFMFILE_HEADER, REPO_ROOT, stripAnsi, useCliRigs, type CliRig } from '../support/cliRig.js';

const run = promisify(execFile);
const newRig = useCliRigs();

describe('the automatic reporter', () => {
  it('is ink on an interactive terminal, plain otherwise', () => {
    expect(autoReporter(true, { TERM: 'xterm-256color' })).toBe('ink');
    expect(autoReporter(true, {})).toBe('ink');
    expect(autoReporter(false, { TERM: 'xterm-256color' })).toBe('plain');
  });

  it('is plain in CI, with NO_COLOR, or on a dumb terminal', () => {
    expect(autoReporter(true, { CI: 'true' })).toBe('plain');
    expect(autoReporter(true, { CI: '1' })).toBe('plain');
    expect(autoReporter(true, { CI: 'false' })).toBe('ink');
    expect(autoReporter(true, { CI: '' })).toBe('ink');
    expect(autoReporter(true, { NO_COLOR: '1' })).toBe('plain');
    expect(autoReporter(true, { NO_COLOR: '' })).toBe('ink');
    expect(autoReporter(true, { TERM: 'dumb' })).toBe('plain');
  });
});

const TASK = `import type { TaskContext } from 'kfm';
export default async function t(ctx: TaskContext): Promise<void> {
  ctx.progress(1, 2, 'rows');
  await ctx.output('o.txt', ctx.id, 'text/plain');
}
`;

const KFMFILE = `${KFMFILE_HEADER}export default defineKfm({ datasets: [dataset(spec('tiny'), [task('one', { run: './t.ts' })], { slice: '2024' })] });
`;

/** Runs `node --import recordResolves.mjs bin/kfm.js ...args` with stdout a pipe; returns its output and the URLs it resolved. */
async function kfmRecordingImports(rig: CliRig, args: string[]): Promise<{ stdout: string; urls: string[] }> {
  const log = rig.path('resolved.log');
  const env: NodeJS.ProcessEnv = { ...process.env, KFM_TEST_RESOLVE_LOG: log, TERM: 'xterm-256color' };
  // Nothing here may be what keeps Ink away: only that stdout is not a terminal.
  for (const name of ['CI', 'NO_COLOR', 'FORCE_COLOR']) delete env[name];
  const { stdout } = await run(process.execPath, ['--import', join(REPO_ROOT, 'test/ui/recordResolves.mjs'), KFM_BIN, ...args], { cwd: rig.dir, env });
  return { stdout: stripAnsi(stdout), urls: readFileSync(log, 'utf8').split('\n').filter((u) => u !== '') };
}

const inkOrReact = (urls: string[]) => urls.filter((u) => /\/node_modules\/(ink|react|react-reconciler)\//.test(u));

describe('loading Ink', () => {
  it('does not happen for kfm --version', async () => {
    const { stdout, urls } = await kfmRecordingImports(newRig(), ['--version']);
    expect(stdout).toMatch(/^kfm \d+\.\d+\.\d+\n$/);
    // bin/kfm.js answers --version alone before the CLI loads: only the version module is imported.
    expect(urls.some((u) => u.endsWith('/dist/core/kfmVersion.js'))).toBe(true);
    expect(urls.some((u) => u.endsWith('/dist/cli/kfm.js'))).toBe(false);
    expect(inkOrReact(urls)).toEqual([]);
  });

  it('does not happen for a build whose stdout is not a terminal: that build prints plain lines', async () => {
    const rig = newRig({ 'kfmfile.ts': KFMFILE, 't.ts': TASK });
    const { stdout, urls } = await kfmRecordingImports(rig, ['build']);
    expect(stdout).toMatch(/^build \S+: 1 nodes, \d+ jobs?\nrun      tiny\/one \(no previous run\)\n/);
    expect(stdout).toMatch(/\nbuild succeeded: 1 executed, 0 cached, 0 failed, 0 skipped in \d+\.\d\ds\n$/);
    expect(urls.some((u) => u.endsWith('/dist/cli/reporters/plainReporter.js'))).toBe(true);
    expect(urls.filter((u) => u.includes('/dist/cli/ui/') || u.endsWith('/inkReporter.js'))).toEqual([]);
    expect(inkOrReact(urls)).toEqual([]);
  });

  it('happens when --reporter ink asks for it (so the checks above can see it)', async () => {
    const rig = newRig({ 'kfmfile.ts': KFMFILE, 't.ts': TASK });
    const { stdout, urls } = await kfmRecordingImports(rig, ['build', '--reporter', 'ink']);
    expect(inkOrReact(urls).some((u) => u.includes('/node_modules/ink/'))).toBe(true);
    expect(inkOrReact(urls).some((u) => u.includes('/node_modules/react/'))).toBe(true);
    expect(stdout).toContain('build succeeded: 1 executed, 0 cached, 0 failed, 0 skipped in ');
  });
});
