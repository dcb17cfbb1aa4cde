/**
 * The bad-input corpus (cases in ./badInputCases.ts): malformed kfmfiles, task behaviours,
 * CLI arguments, a damaged `.kfm/`, registry and data files, and a full disk. Each case runs
 * the real CLI on its own copy of a prepared project and asserts the exit code and the first
 * line of stderr verbatim; then `kfm receipts verify` exits as documented, and after the
 * documented fix a good build succeeds. No case may print `internal error` or a stack trace.
 *
 * Knob: KFM_BADINPUT_RECORD=<file> writes what each case actually printed there instead of
 * asserting (to review a new case's message before freezing it).
 */
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KFM_BIN, pinRigKey, REPO_ROOT, stripAnsi } from '../support/cliRig.js';
import { CASES, GOOD_FILES, type BadInputCase, type Template } from './badInputCases.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Cases run at once: each starts up to three short CLI processes in turn. */
const BATCH = Math.max(2, Math.min(8, availableParallelism() * 2));
let work: string;
let config: string;
const templates = {} as Record<Template, string>;

function kfm(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [KFM_BIN, ...args],
      { cwd, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', XDG_CONFIG_HOME: config, ...env }, timeout: 60_000, maxBuffer: 16 << 20 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout: stripAnsi(stdout), stderr: stripAnsi(stderr) });
      },
    );
  });
}

const writeGood = (dir: string) => {
  for (const [rel, text] of Object.entries(GOOD_FILES)) {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
};

interface Outcome {
  code: number;
  stderr: string;
  stdout: string | undefined;
  verify: number;
  after: number;
  leaks: string[];
  afterOutput: string;
}

/** Runs one case on its own copy of its template. */
async function runCase(c: BadInputCase, index: number): Promise<Outcome> {
  const dir = join(work, `case-${index}`);
  cpSync(templates[c.template], dir, { recursive: true });
  c.setup?.(dir);
  const before = written(dir);
  const first = await kfm(c.args, dir);
  // A usage or kfmfile error on a project never built must leave nothing behind: no ledger
  // to verify (checked directly, which is cheaper and stricter than running verify).
  const untouched = c.template === 'fresh' && first.code === 2;
  const now = written(dir);
  const verify = untouched ? { code: now.join() === before.join() ? 0 : -2, stdout: now.join(', '), stderr: '' } : await kfm(['receipts', 'verify'], dir);
  c.fix?.(dir);
  writeGood(dir);
  rmSync(join(dir, 'registry'), { recursive: true, force: true });
  if (existsSync(join(templates[c.template], 'registry'))) cpSync(join(templates[c.template], 'registry'), join(dir, 'registry'), { recursive: true });
  const after = await kfm(['build', '--reporter', 'plain'], dir);
  const all = [first, verify, after].flatMap((r) => [r.stdout, r.stderr]).join('\n');
  const leaks = all.split('\n').filter((l) => l.includes('internal error') || /^\s+at (?:.+ \()?(?:file:|node:|\/)/.test(l));
  rmSync(dir, { recursive: true, force: true });
  rmSync(`${dir}.outside`, { recursive: true, force: true });
  const show = (text: string) => text.split(dir).join('<dir>');
  const firstLine = show(first.stderr.split('\n')[0]!);
  const stdoutLine = c.stdout === undefined ? undefined : show(first.stdout).split('\n').find((l) => l === c.stdout) ?? show(first.stdout);
  return { code: first.code, stderr: firstLine, stdout: stdoutLine, verify: verify.code, after: after.code, leaks, afterOutput: after.stdout + after.stderr };
}

/** What a run wrote into a never-built project: `.kfm/ledger.db`, `data/`, `registry/`. */
function written(dir: string): string[] {
  return ['.kfm/ledger.db', 'data', 'registry'].filter((p) => existsSync(join(dir, p)));
}

beforeAll(async () => {
  work = realpathSync(mkdtempSync(join(tmpdir(), 'kfm-badinput-')));
  config = join(work, 'config');
  templates.fresh = join(work, 'fresh');
  templates.built = join(work, 'built');
  writeGood(templates.fresh);
  // A clone of a project whose kfm.trust.json pins the signing key (as test/support/cliRig.ts does).
  pinRigKey(templates.fresh, config);
  cpSync(templates.fresh, templates.built, { recursive: true });
  const built = await kfm(['build', '--reporter', 'plain'], templates.built);
  if (built.code !== 0) throw new Error(`the template build failed\n${built.stdout}${built.stderr}`);
  void REPO_ROOT;
});

afterAll(() => {
  if (work && !process.env['KFM_TEST_KEEP']) rmSync(work, { recursive: true, force: true });
});

describe('bad input corpus', () => {
  it(`${CASES.length} cases: exit code and first stderr line verbatim, receipts verify, a good build after the fix`, async () => {
    expect(CASES.length).toBeGreaterThanOrEqual(100);
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
    const outcomes: Outcome[] = new Array<Outcome>(CASES.length);
    for (let i = 0; i < CASES.length; i += BATCH) {
      const batch = CASES.slice(i, i + BATCH).map((c, j) => runCase(c, i + j).then((o) => (outcomes[i + j] = o)));
      await Promise.all(batch);
    }
    const record = process.env['KFM_BADINPUT_RECORD'];
    if (record) {
      writeFileSync(record, JSON.stringify(CASES.map((c, i) => ({ name: c.name, ...outcomes[i] })), null, 2));
      return;
    }
    const actual = CASES.map((c, i) => {
      const o = outcomes[i]!;
      return { name: c.name, code: o.code, stderr: o.stderr, stdout: o.stdout, verify: o.verify, after: o.after, leaks: o.leaks };
    });
    const expected = CASES.map((c) => ({ name: c.name, code: c.code, stderr: c.stderr, stdout: c.stdout, verify: c.verify ?? 0, after: 0, leaks: [] }));
    expect(actual).toEqual(expected);
  }, 600_000);
});

/** A task whose one output is `BIG` bytes (env), to fill a small file system. */
const BIG_TASK = `import type { TaskContext } from 'kfm';
export default async function b(ctx: TaskContext): Promise<void> {
  await ctx.output('big.bin', Buffer.alloc(Number(process.env.BIG), 7), 'application/octet-stream');
}
`;

/** Mounts a 2 MB tmpfs (root only); undefined where mounting is not possible (then the case is skipped). */
function smallDisk(): string | undefined {
  if (process.getuid?.() !== 0 || process.platform !== 'linux') return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'kfm-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', dir], { stdio: 'ignore' });
    return dir;
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
}

describe('a full disk', () => {
  const disk = smallDisk();
  afterAll(() => {
    if (!disk) return;
    execFileSync('umount', [disk], { stdio: 'ignore' });
    rmSync(disk, { recursive: true, force: true });
  });

  it.runIf(disk !== undefined)('says disk full, loses nothing, and the next build completes once space is free', async () => {
    const dir = join(disk!, 'p');
    cpSync(templates.fresh, dir, { recursive: true });
    writeFileSync(join(dir, 'b.ts'), BIG_TASK);
    const full = await kfm(['build', '--reporter', 'plain'], dir, { BIG: String(3 << 20) });
    expect({ code: full.code, stderr: full.stderr.split('\n')[0] }).toEqual({ code: 1, stderr: "kfm: disk full at .kfm/ (writing kfm's databases): free some space and run again" });
    expect(full.stdout).toContain('FAILED   a/b: disk full (ENOSPC: no space left on device, write): free some space and build again\n');
    expect(`${full.stdout}${full.stderr}`).not.toMatch(/internal error|^\s+at (?:.+ \()?(?:file:|node:|\/)/m);
    // Nothing half-written stays behind: the failed output's temp file is swept.
    expect(existsSync(join(dir, '.kfm/store/tmp')) ? readdirSync(join(dir, '.kfm/store/tmp')) : []).toEqual([]);
    expect((await kfm(['receipts', 'verify'], dir)).code).toBe(0);
    const next = await kfm(['build', '--reporter', 'plain'], dir, { BIG: '1000' });
    expect(next.code, next.stdout + next.stderr).toBe(0);
    expect((await kfm(['receipts', 'verify'], dir)).code).toBe(0);
  });
});
