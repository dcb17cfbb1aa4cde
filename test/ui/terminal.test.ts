/**
 * `kfm build` in a real pseudo-terminal (tmux): the Ink UI draws the tree and a progress bar
 * while a task runs, leaves its final frame and the counts line on screen, exits 0, shows
 * the cursor again and leaves no process behind. Skipped when tmux is not installed.
 *
 * Knob: KFM_TEST_UI_CAPTURE=<file> writes the captured screens there (the README's sample).
 */
import { execFile, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { KFM_BIN, KFMFILE_HEADER, useCliRigs } from '../support/cliRig.js';

const run = promisify(execFile);
const newRig = useCliRigs();

const TMUX_MISSING = spawnSync('tmux', ['-V']).error !== undefined;
/** The tmux server's socket: in the test's project directory, so cleaning that up removes it. */
let socket: string | undefined;

/** Fetches 5 MiB in ten 100 ms steps, reporting progress and logging; writes the kfm process id to kfm.pid. */
const FETCH = `import { writeFileSync } from 'node:fs';
import type { TaskContext } from 'kfm';
export default async function fetch(ctx: TaskContext): Promise<void> {
  writeFileSync(new URL('./kfm.pid', import.meta.url), String(process.pid));
  const total = 5 * 1024 * 1024;
  for (let step = 0; step <= 10; step++) {
    ctx.progress((total * step) / 10, total, 'bytes');
    if (step % 5 === 0) ctx.log.info(\`fetched \${step * 10}%\`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await ctx.output('raw.bin', 'raw', 'application/octet-stream');
}
`;

const QUICK = `import type { TaskContext } from 'kfm';
export default async function quick(ctx: TaskContext): Promise<void> {
  await ctx.output(\`\${ctx.task}.txt\`, ctx.id, 'text/plain');
}
`;

const KFMFILE = `${KFMFILE_HEADER}export default defineKfm({ datasets: [
  dataset(spec('parcels'), [
    task('fetch', { run: './fetch.ts' }),
    task('parse', { run: './quick.ts', deps: ['fetch'] }),
    task('index', { run: './quick.ts', deps: ['parse'] }),
  ], { slice: '2024' }),
  dataset(spec('roads'), [
    task('fetch', { run: './quick.ts' }),
    task('clip', { run: './quick.ts', deps: ['fetch'] }),
  ], { slice: '2024' }),
] });
`;

const tmux = async (...args: string[]): Promise<string> => (await run('tmux', ['-S', socket!, ...args])).stdout;

/** The scrollback and the screen, without the blank rows below the text (frames drawn in place leave no scrollback). */
const capture = async (): Promise<string> => (await tmux('capture-pane', '-p', '-S', '-', '-t', 'kfm')).replace(/\s+$/, '');

/** Polls until `probe` gives a value; throws with `describe()` after the timeout. */
async function poll<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 40));
  }
  throw new Error(`timed out waiting for ${what}; the screen:\n${await capture()}`);
}

const screenWhere = (test: (screen: string) => boolean) => async () => {
  const screen = await capture();
  return test(screen) ? screen : undefined;
};

afterEach(async () => {
  if (socket) await tmux('kill-server').catch(() => undefined);
  socket = undefined;
});

describe('the terminal UI in a real terminal', () => {
  it('draws the tree and a progress bar while a task runs, then the final counts, and exits cleanly', async (ctx) => {
    ctx.skip(TMUX_MISSING, 'tmux is not installed (apt-get install -y tmux): no pseudo-terminal to run the Ink UI in');
    const rig = newRig({ 'kfmfile.ts': KFMFILE, 'fetch.ts': FETCH, 'quick.ts': QUICK });
    socket = rig.path('tmux.sock');
    // No status bar; after kfm the shell becomes a `sleep`, so the pane (and its screen) stays.
    rig.write({ 'tmux.conf': 'set -g status off\n' });
    const command = `cd '${rig.dir}' && env -u CI -u NO_COLOR -u FORCE_COLOR -u NODE_OPTIONS TERM=xterm-256color XDG_CONFIG_HOME='${rig.configDir}' '${process.execPath}' '${KFM_BIN}' build -j 2; echo EXIT=$?; exec sleep 120`;
    await tmux('-f', rig.path('tmux.conf'), 'new-session', '-d', '-x', '100', '-y', '30', '-s', 'kfm', command);

    const running = await poll(screenWhere((s) => /▸ fetch +\[█+░*\] +\d+% /.test(s)), 'a progress bar');
    const lines = running.split('\n');
    expect(lines[0]).toMatch(/^kfm build \d{8}T\d{6}Z-[0-9a-f]{8} · parcels, roads · 2 jobs$/);
    expect(lines[1]).toBe('▸ parcels  0/3');
    expect(lines[2]).toMatch(/^  ├─ ▸ fetch  \[[█░]{20}\] +\d+% \d+(\.\d)? (B|KiB|MiB)\/5\.0 MiB  \d+\.\ds  no previous run$/);
    expect(lines.slice(3, 5)).toEqual(['  ├─ · parse', '  └─ · index']);
    expect(lines[5]).toMatch(/^. roads  \d\/2$/);
    expect(lines.at(-1)).toMatch(/^building: 1 running, \d executed, 0 cached, 0 failed, 0 skipped, \d queued \(5 nodes\) \d+\.\ds$/);

    // The shell prints EXIT= once kfm has ended, then becomes `sleep`: kfm left nothing running in the pane.
    const final = await poll(screenWhere((s) => s.includes('EXIT=')), 'the build to end');
    await poll(async () => ((await tmux('display', '-p', '-t', 'kfm', '#{pane_current_command}')).trim() === 'sleep' ? true : undefined), 'the shell to exec sleep');
    expect(final.split('\n')).toEqual([
      expect.stringMatching(/^kfm build \S+ · parcels, roads · 2 jobs$/),
      expect.stringMatching(/^✓ parcels  3\/3  version 2024\.[0-9a-f]{8} \(new\)$/),
      expect.stringMatching(/^  ├─ ✓ fetch  1\.\d\ds$/),
      expect.stringMatching(/^  ├─ ✓ parse  0\.\d\ds$/),
      expect.stringMatching(/^  └─ ✓ index  0\.\d\ds$/),
      expect.stringMatching(/^✓ roads  2\/2  version 2024\.[0-9a-f]{8} \(new\)$/),
      expect.stringMatching(/^  ├─ ✓ fetch  0\.\d\ds$/),
      expect.stringMatching(/^  └─ ✓ clip   0\.\d\ds$/),
      'parcels/fetch │ fetched 0%',
      'parcels/fetch │ fetched 50%',
      'parcels/fetch │ fetched 100%',
      expect.stringMatching(/^build succeeded: 5 executed, 0 cached, 0 failed, 0 skipped in \d+\.\d\ds$/),
      'EXIT=0',
    ]);
    // Ink hid the cursor while drawing and showed it again on exit.
    expect((await tmux('display', '-p', '-t', 'kfm', '#{cursor_flag}')).trim()).toBe('1');
    // The kfm process (whose id the task wrote) has ended.
    const pid = Number(readFileSync(rig.path('kfm.pid'), 'utf8'));
    expect(() => process.kill(pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));

    const keep = process.env['KFM_TEST_UI_CAPTURE'];
    if (keep) writeFileSync(keep, `--- while running ---\n${running}\n--- at the end ---\n${final}\n`);
  });
});
