/**
 * The end-to-end rig: writes a project into a fresh temp directory and runs the real CLI
 * (`node bin/kfm.js`, compiled code from dist/) as a child process in it. Output comes back
 * with ANSI escapes stripped, so tests assert user-facing text verbatim.
 *
 * The CLI runs from dist/: run `node scripts/build.mjs` after changing kfm's source.
 * Knob: KFM_TEST_KEEP=1 keeps the temp projects (their paths are printed) for a post-mortem.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';

/** The repository root, found from this file's location. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const KFM_BIN = join(REPO_ROOT, 'bin', 'kfm.js');

const DEFAULT_TIMEOUT_MS = 30_000;

// CSI sequences (colours, cursor moves) and OSC sequences (titles, hyperlinks).
// eslint-disable-next-line no-control-regex
const ANSI_RE = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI_RE, '');
}

/** How a CLI run ended. `code` is null when a signal ended it (then `signal` says which). */
export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Project-relative path → file contents. */
export type FileMap = Record<string, string | Uint8Array>;

export interface RunOptions {
  /** Extra environment variables for the CLI (on top of the rig's, e.g. KFM_SIGNING_KEY). */
  env?: NodeJS.ProcessEnv;
  /** Working directory, relative to the project (default: the project directory). */
  cwd?: string;
  /** Fail (and SIGKILL the process) after this long. */
  timeoutMs?: number;
  /** Run as this OS user and group (needs root; the project's files must be theirs). */
  user?: { uid: number; gid: number };
}

/** The shape of `kfm build --json` (schemas/build-report.schema.json), as far as tests read it. */
export interface BuildReport {
  kfm_build_report_version: string;
  run_id: string;
  status: 'succeeded' | 'failed' | 'interrupted';
  nodes: {
    id: string;
    status: 'executed' | 'cached' | 'failed' | 'skipped';
    key: string | null;
    reason?: { type: string; [k: string]: unknown };
    error?: { message: string; location?: string; stack?: string };
    skipped_because?: { type: 'upstream-failed'; upstream: string } | { type: 'interrupted' } | { type: 'stopped-after-failure' };
    duration_ms?: number;
  }[];
  versions: {
    dataset_slug: string;
    slice: string;
    dataset_version_id: string;
    spec_hash: string;
    inputs_digest: string;
    created: boolean;
    mode: 'new' | 'retry' | 'reprocess' | 'backfill';
    mode_reason: string;
    receipts: string[];
    /** The version stages (`kfm:catalog`). */
    stages: {
      stage: string;
      status: 'executed' | 'cached' | 'skipped';
      key: string | null;
      reason: string;
      paths: string[];
      receipt: { run_id: string; seq: number } | null;
      problems: number | null;
    }[];
  }[];
  errors: string[];
  integrity: ({ type: 'object-corrupt'; digest: string; node: string; output: string; found: 'corrupt' | 'missing' } | { type: 'data-file-restored'; path: string; digest: string; edited: string; kept_at: string })[];
  counts: Record<'executed' | 'cached' | 'failed' | 'skipped', number>;
  duration_ms: number;
}

/** A CLI process started in the background: wait for output, signal it, await its end. */
export class RunningCli {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly exited: Promise<CliResult>;
  #stdout = '';
  #stderr = '';
  #done = false;
  readonly #waiters = new Set<() => void>();

  constructor(args: string[], cwd: string, timeoutMs: number, env: NodeJS.ProcessEnv = {}, user?: { uid: number; gid: number }) {
    this.child = spawn(process.execPath, [KFM_BIN, ...args], {
      cwd,
      ...(user ?? {}),
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (this.child.pid === undefined) throw new Error(`could not start ${KFM_BIN}`);
    this.pid = this.child.pid;
    this.child.stdout!.setEncoding('utf8').on('data', (s: string) => {
      this.#stdout += s;
      this.#notify();
    });
    this.child.stderr!.setEncoding('utf8').on('data', (s: string) => {
      this.#stderr += s;
      this.#notify();
    });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    this.exited = new Promise((resolvePromise, reject) => {
      this.child.on('error', reject);
      // 'close' (not 'exit'): every byte of stdout and stderr has arrived.
      this.child.on('close', (code, signal) => {
        clearTimeout(timer);
        this.#done = true;
        this.#notify();
        resolvePromise({ code, signal, stdout: this.stdout, stderr: this.stderr });
      });
    });
  }

  get stdout(): string {
    return stripAnsi(this.#stdout);
  }

  get stderr(): string {
    return stripAnsi(this.#stderr);
  }

  get running(): boolean {
    return !this.#done;
  }

  /** Resolves once the stream's text matches; rejects when the process ends first or on timeout. */
  waitFor(stream: 'stdout' | 'stderr', pattern: string | RegExp, timeoutMs = 20_000): Promise<void> {
    const matches = () => {
      const text = stream === 'stdout' ? this.stdout : this.stderr;
      return typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text);
    };
    return new Promise((resolvePromise, reject) => {
      const check = () => {
        if (matches()) {
          finish();
          resolvePromise();
        } else if (this.#done) {
          finish();
          const why = distWasMissing(this.stdout + this.stderr) ? ' (dist/ was missing: rebuilt meanwhile?)' : '';
          reject(new Error(`process ended before ${stream} showed ${String(pattern)}${why}\n${this.#describe()}`));
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`timed out waiting for ${stream} to show ${String(pattern)}\n${this.#describe()}`));
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        this.#waiters.delete(check);
      };
      this.#waiters.add(check);
      check();
    });
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  #notify(): void {
    for (const w of [...this.#waiters]) w();
  }

  #describe(): string {
    return `--- stdout ---\n${this.stdout}--- stderr ---\n${this.stderr}`;
  }
}

/** Whether output shows kfm's own compiled files missing (scripts/build.mjs deletes dist/ first). */
function distWasMissing(output: string): boolean {
  const dist = join(REPO_ROOT, 'dist') + '/';
  return output.split('\n').some((line) => /Cannot find module|ENOENT/.test(line) && line.includes(dist));
}

/** One project in a temp directory. */
export class CliRig {
  /** The project directory (a real path: no symlinks, so it matches what kfm prints). */
  readonly dir: string;
  /**
   * The per-user config directory the CLI sees (`XDG_CONFIG_HOME`): kfm generates its
   * signing key there (`kfm/keys/ed25519.pem`), never in the real home.
   */
  readonly configDir: string;
  readonly #started: RunningCli[] = [];

  /**
   * `trust` (default true): the project starts as a clone of a project with a committed
   * kfm.trust.json would: the rig generates the per-user signing key and pins its public
   * key there, so builds sign with a pinned key and print no bootstrap notice. false: no
   * key and no trust file (the first versioned build creates both, and says so).
   */
  constructor(files: FileMap = {}, options: { trust?: boolean } = {}) {
    if (!existsSync(join(REPO_ROOT, 'dist', 'cli', 'kfm.js'))) {
      throw new Error(`dist/ is not built: run \`node scripts/build.mjs\` in ${REPO_ROOT} first`);
    }
    this.dir = realpathSync(mkdtempSync(join(tmpdir(), 'kfm-e2e-')));
    this.configDir = realpathSync(mkdtempSync(join(tmpdir(), 'kfm-e2e-config-')));
    if (options.trust !== false) pinRigKey(this.dir, this.configDir);
    this.write(files);
  }

  path(...parts: string[]): string {
    return join(this.dir, ...parts);
  }

  write(files: FileMap): void {
    for (const [rel, contents] of Object.entries(files)) {
      const target = this.path(rel);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, contents);
    }
  }

  read(rel: string): string {
    return readFileSync(this.path(rel), 'utf8');
  }

  /** Starts `kfm ...args` in the background. */
  start(args: string[], options: RunOptions = {}): RunningCli {
    const cwd = options.cwd === undefined ? this.dir : resolve(this.dir, options.cwd);
    const running = new RunningCli(args, cwd, options.timeoutMs ?? DEFAULT_TIMEOUT_MS, { XDG_CONFIG_HOME: this.configDir, ...options.env }, options.user);
    this.#started.push(running);
    return running;
  }

  /** Runs `kfm ...args` to completion. */
  async run(args: string[], options: RunOptions = {}): Promise<CliResult> {
    const result = await this.start(args, options).exited;
    if (distWasMissing(result.stdout + result.stderr)) {
      // Not kfm's behaviour: dist/ was missing, e.g. being rebuilt by scripts/build.mjs meanwhile.
      throw new Error(`dist/ was missing while \`kfm ${args.join(' ')}\` ran (rebuilt meanwhile?)\n${result.stdout}${result.stderr}`);
    }
    return result;
  }

  /** Runs `kfm build --json ...args` and parses its report (stdout must be exactly one JSON document). */
  async buildJson(args: string[] = [], options: RunOptions = {}): Promise<{ result: CliResult; report: BuildReport }> {
    const result = await this.run(['build', '--json', ...args], options);
    let report: BuildReport;
    try {
      report = JSON.parse(result.stdout) as BuildReport;
    } catch {
      throw new Error(`kfm build --json did not print one JSON document (exit ${result.code})\n--- stdout ---\n${result.stdout}--- stderr ---\n${result.stderr}`);
    }
    return { result, report };
  }

  /** Kills processes still running and removes the directory (kept with KFM_TEST_KEEP=1). */
  async cleanup(): Promise<void> {
    for (const p of this.#started) {
      if (p.running) {
        p.kill('SIGKILL');
        await p.exited.catch(() => undefined);
      }
    }
    if (process.env['KFM_TEST_KEEP']) {
      process.stderr.write(`kept ${this.dir}\n`);
      return;
    }
    rmSync(this.dir, { recursive: true, force: true });
    rmSync(this.configDir, { recursive: true, force: true });
  }
}

/** Generates the per-user key under `configDir` (0600, as kfm would) and pins it in `<dir>/kfm.trust.json`. */
export function pinRigKey(dir: string, configDir: string): void {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const keyDir = join(configDir, 'kfm', 'keys');
  mkdirSync(keyDir, { recursive: true, mode: 0o700 });
  writeFileSync(join(keyDir, 'ed25519.pem'), privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, { mode: 0o600 });
  const keyid = `sha256:${createHash('sha256').update(Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url')).digest('hex')}`;
  const trust = { keys: [{ keyid, owner: 'the e2e rig', public_key: publicKey.export({ format: 'pem', type: 'spki' }) as string }], kfm_trust_version: 'v1' };
  writeFileSync(join(dir, 'kfm.trust.json'), JSON.stringify(trust, null, 2) + '\n');
}

/** Returns a factory for rigs that are cleaned up after each test of the calling file. */
export function useCliRigs(): (files?: FileMap, options?: { trust?: boolean }) => CliRig {
  const rigs: CliRig[] = [];
  afterEach(async () => {
    await Promise.all(rigs.splice(0).map((r) => r.cleanup()));
  });
  return (files, options) => {
    const rig = new CliRig(files, options);
    rigs.push(rig);
    return rig;
  };
}

/** `line:column` (1-based) of the nth (default: first) occurrence of `needle` in `text`; throws when absent. */
export function locate(text: string, needle: string, occurrence = 1): string {
  let i = -1;
  for (let n = 0; n < occurrence; n++) {
    i = text.indexOf(needle, i + 1);
    if (i < 0) throw new Error(`locate: ${JSON.stringify(needle)} does not occur ${occurrence} times in the text`);
  }
  const before = text.slice(0, i).split('\n');
  return `${before.length}:${before[before.length - 1]!.length + 1}`;
}

/**
 * A kfm.policy.json for rig projects (their specs use `spec()` below: licence CC0-1.0, label
 * public, no QA checks): the licences the rig's and the Kansas specs use, default-deny
 * labels with a steward for restricted ones, and specs without QA checks permitted. A test
 * that promotes writes it; one without it sees gates B and C abstain.
 */
export const RIG_POLICY = `${JSON.stringify(
  {
    kfm_policy_version: 'v1',
    licences: [
      { id: 'CC0-1.0', requires_attribution: false },
      { id: 'public-domain', requires_attribution: false },
      { id: 'CC-BY-4.0', requires_attribution: true },
    ],
    labels: {
      public: { publish: true },
      public_generalized: { publish: true, requires_generalization: true },
      restricted: { publish: true, requires_generalization: true, approval_roles: ['steward'] },
      restricted_sensitive_location: { publish: true, requires_generalization: true, approval_roles: ['steward'] },
      internal: { publish: false },
      embargoed: { publish: false },
      quarantine: { publish: false },
    },
    qa: { override_role: 'steward', allow_unchecked: true },
  },
  null,
  2,
)}\n`;

/**
 * The first lines of a test kfmfile: the API import and a `spec(slug)` helper that makes a
 * complete v1 dataset spec. Two lines, so a declaration on line 3 is at `kfmfile.ts:3:...`.
 */
export const KFMFILE_HEADER = `import { defineKfm, dataset, task } from 'kfm';
const spec = (slug: string) => ({ kfm_spec_version: 'v1', dataset_slug: slug, title: slug, upstream: { authority: 'test', access_method: 'file', endpoints: [], cadence: 'none', terms_snapshot: { license: 'CC0-1.0' } }, sensitivity: { policy_label_intent: 'public', pii_risk: 'none', sensitive_location_risk: 'none', obligations: [] }, normalization: { canonical_fields: [], crs: 'none' }, validation: { checks: [] }, outputs: [] });
`;

/**
 * A task module: concatenates its input files, then its upstream outputs (in dependency
 * order), upper-cases that through ./lib/shout.ts, appends `params.suffix`, and writes
 * `out.txt`. Its paramsSchema accepts only an optional string `suffix`.
 */
export const UPPER_TASK = `import type { TaskContext } from 'kfm';
import { shout } from './lib/shout.js';

export const paramsSchema = { type: 'object', properties: { suffix: { type: 'string' } }, additionalProperties: false };

export default async function upper(ctx: TaskContext<{ suffix?: string }>): Promise<void> {
  const parts: string[] = [];
  for (const input of ctx.inputs) parts.push((await input.read()).toString('utf8'));
  for (const dep of Object.keys(ctx.upstream).sort()) parts.push(await ctx.upstream[dep]!['out.txt']!.text());
  await ctx.output('out.txt', shout(parts.join('|')) + (ctx.params.suffix ?? ''), 'text/plain');
}
`;

export const SHOUT_LIB = `export const shout = (s: string): string => s.toUpperCase();
`;

/**
 * A task module that holds a build open: writes `first.txt`, logs "first output written",
 * then waits until a file named `release` appears beside the module, and writes `second.txt`.
 */
export const SLOW_TASK = `import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TaskContext } from 'kfm';
export default async function slow(ctx: TaskContext): Promise<void> {
  await ctx.output('first.txt', 'first', 'text/plain');
  ctx.log.info('first output written');
  const release = fileURLToPath(new URL('./release', import.meta.url));
  while (!existsSync(release)) await new Promise((resolve) => setTimeout(resolve, 20));
  await ctx.output('second.txt', 'second', 'text/plain');
}
`;
