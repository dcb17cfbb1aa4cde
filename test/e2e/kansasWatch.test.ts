/**
 * Watch mode on the project's own Kansas pipeline, in a copy of the project (kfmfile.ts and
 * tasks/, node_modules linked): saving a task module starts a rebuild within moments and
 * reruns exactly the nodes that use it. The latency is printed, and asserted only loosely
 * (CI machines are slow): the goal is under a second from the save to the rebuild's start.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const kfm = join(repo, 'bin', 'kfm.js');

describe('watch mode on the Kansas pipeline', () => {
  let dir: string;

  beforeAll(() => {
    mkdirSync(join(repo, '.kfm-test'), { recursive: true });
    dir = mkdtempSync(join(repo, '.kfm-test', 'kansas-watch-'));
    cpSync(join(repo, 'kfmfile.ts'), join(dir, 'kfmfile.ts'));
    cpSync(join(repo, 'tasks'), join(dir, 'tasks'), { recursive: true });
    symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('saving tasks/qa/qaTask.ts reruns the three QA nodes, and in order: change seen, build started, first task, cycle done', async () => {
    const child = spawn(process.execPath, [kfm, 'build', '--watch', '--reporter', 'plain'], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const seen: { text: string; at: number }[] = [];
    const waiters = new Set<() => void>();
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      stdout += s;
      seen.push({ text: stdout, at: performance.now() });
      for (const w of [...waiters]) w();
    });
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    /** Resolves with the time the text first matched. */
    const when = (pattern: RegExp, timeoutMs = 30_000) =>
      new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${String(pattern)}\n${stdout}\n${stderr}`)), timeoutMs);
        const check = () => {
          if (!pattern.test(stdout)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(performance.now());
        };
        waiters.add(check);
        check();
      });
    try {
      await when(/^watch: waiting for changes/m);
      expect(stdout).toMatch(/^build succeeded: 8 executed, 0 cached, 0 failed, 0 skipped in /m);
      const firstCycle = stdout.length;

      appendFileSync(join(dir, 'tasks/qa/qaTask.ts'), '// a comment: the code digest changes, the QA reports do not\n');
      const saved = performance.now();
      const change = await when(/^watch: change in tasks\/qa\/qaTask\.ts; rebuilding$/m, 10_000);
      const buildStart = await when(/^watch: change in [^\n]*\nbuild \S+: 8 nodes/m);
      const firstRun = await when(/^watch: change in [\s\S]*^run {6}\S+/m);
      const end = await when(/^watch: change in [\s\S]*^watch: waiting for changes/m);
      const cycle = stdout.slice(firstCycle);
      const ran = [...cycle.matchAll(/^run +(\S+)/gm)].map((m) => m[1]!).sort();
      expect(ran).toEqual(['ks_counties/qa', 'ks_places/qa', 'ks_places_per_county/qa']);
      for (const id of ran) expect(cycle).toMatch(new RegExp(`^run +${id} \\(task code tasks/qa/qaTask\\.ts changed: `, 'm'));
      expect(cycle).toMatch(/^build succeeded: 3 executed, 5 cached, 0 failed, 0 skipped in /m);

      const ms = (t: number) => `${Math.round(t - saved)} ms`;
      process.stdout.write(
        `watch latency on the Kansas pipeline: change seen ${ms(change)}, build start ${ms(buildStart)}, first task started ${ms(firstRun)}, cycle done ${ms(end)} after the save\n`,
      );
      // Informational only: latency is never asserted in a test (the machines are noisy). The
      // order of the events is: the change is seen before the build starts, which is before
      // the first task runs, which is before the cycle ends.
      expect(change).toBeLessThanOrEqual(buildStart);
      expect(buildStart).toBeLessThanOrEqual(firstRun);
      expect(firstRun).toBeLessThanOrEqual(end);
    } finally {
      child.kill('SIGINT');
      expect(await exited).toBe(0);
    }
    // A fresh copy has no kfm.trust.json: the first build creates it, and says so (nothing else).
    expect(stderr).toMatch(/^(kfm: created kfm\.trust\.json pinning the signing key sha256:[0-9a-f]{64}: commit it \(receipts verify only against the keys it pins\)\n)?$/);
  });
});
