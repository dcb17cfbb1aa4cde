// Issue 13's goals, each printed with its goal and met / not met:
// - the Kansas pipeline's versioned no-op build (this repository's kfmfile.ts, tasks/ and
//   kfm.policy.json, built once, then built again with nothing changed): wall, peak RSS and
//   how many ledger entries each no-op adds (goal: one per dataset version, or fewer);
// - `kfm --version` against `node -e 0` (goal: <= 90 ms);
// - `kfm receipts verify` throughput on a generated ledger (bench/verifyLedger.mjs; goal:
//   >= 10,000 entries/s after start-up).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { benchVerify } from './verifyLedger.mjs';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const KFM = join(root, 'bin', 'kfm.js');
const GNU_TIME = '/usr/bin/time';
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** Runs node with args in dir: wall ms, and peak RSS (KiB) when GNU time is there. */
function timed(dir, args, env = {}) {
  const rssFile = join(dir, '.bench-rss');
  const gnu = existsSync(GNU_TIME);
  const [file, argv] = gnu ? [GNU_TIME, ['-f', '%M', '-o', rssFile, process.execPath, ...args]] : [process.execPath, args];
  const t0 = performance.now();
  const r = spawnSync(file, argv, { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...env }, maxBuffer: 1 << 28 });
  const ms = performance.now() - t0;
  const rss = gnu ? Number(readFileSync(rssFile, 'utf8').trim().split('\n').at(-1)) : null;
  rmSync(rssFile, { force: true });
  return { ms, rss_kib: rss, code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function ledgerEntries(dir, env) {
  const r = spawnSync(process.execPath, [KFM, 'receipts', 'verify', '--json'], { cwd: dir, encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 1 << 28 });
  const report = JSON.parse(r.stdout);
  return { entries: report.entries, problems: report.problems.length };
}

/** The Kansas pipeline: one versioned build, then `reps` no-op builds. */
export function benchKansasNoop(work, reps) {
  mkdirSync(work, { recursive: true });
  const dir = mkdtempSync(join(work, 'kansas-'));
  const config = mkdtempSync(join(work, 'config-'));
  const env = { XDG_CONFIG_HOME: config };
  try {
    cpSync(join(root, 'kfmfile.ts'), join(dir, 'kfmfile.ts'));
    cpSync(join(root, 'tasks'), join(dir, 'tasks'), { recursive: true });
    cpSync(join(root, 'kfm.policy.json'), join(dir, 'kfm.policy.json'));
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
    const first = timed(dir, [KFM, 'build', '--json'], env);
    if (first.code !== 0) throw new Error(`kfm build exited ${first.code}: ${first.stderr.slice(-1500)}`);
    const versions = JSON.parse(first.stdout).versions.length;
    const before = ledgerEntries(dir, env).entries;
    const runs = [];
    for (let i = 0; i < reps; i++) {
      const r = timed(dir, [KFM, 'build', '--json'], env);
      if (r.code !== 0) throw new Error(`no-op kfm build exited ${r.code}: ${r.stderr.slice(-1500)}`);
      const report = JSON.parse(r.stdout);
      if (report.versions.some((v) => v.mode !== 'retry')) throw new Error('the second build was not a retry of every version');
      runs.push(r);
    }
    const after = ledgerEntries(dir, env);
    const perNoop = (after.entries - before) / reps;
    return {
      dataset_versions: versions,
      first_build_ms: Math.round(first.ms),
      noop_ms: runs.map((r) => Math.round(r.ms)),
      noop_rss_kib: runs.map((r) => r.rss_kib),
      median_ms: Math.round(median(runs.map((r) => r.ms))),
      median_rss_kib: median(runs.map((r) => r.rss_kib ?? 0)) || null,
      ledger_entries_per_noop: perNoop,
      verify_problems_after: after.problems,
      goal: `<= ${versions} ledger entries per no-op (one per dataset version)`,
      met: perNoop <= versions && after.problems === 0,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(config, { recursive: true, force: true });
  }
}

/** `kfm --version` against `node -e 0`, interleaved. */
export function benchStartup(reps) {
  const kfm = [];
  const node = [];
  for (let i = 0; i < reps; i++) {
    node.push(timed(root, ['-e', '0']).ms);
    const r = timed(root, [KFM, '--version']);
    if (r.code !== 0) throw new Error(`kfm --version exited ${r.code}`);
    kfm.push(r.ms);
  }
  const k = median(kfm);
  return {
    kfm_version_ms: kfm.map(Math.round),
    node_e0_ms: node.map(Math.round),
    median_kfm_ms: Math.round(k),
    median_node_ms: Math.round(median(node)),
    goal: '<= 90 ms',
    met: k <= 90,
  };
}

export async function benchGoals(work, { quick = false, verifyEntries = 100_000 } = {}) {
  const noop = benchKansasNoop(join(work, 'goals'), quick ? 2 : 5);
  const startup = benchStartup(quick ? 10 : 30);
  const verify = await benchVerify(join(work, 'goals'), { entries: verifyEntries, reps: quick ? 1 : 3 });
  rmSync(join(work, 'goals'), { recursive: true, force: true });
  return { kansas_noop: noop, startup, verify: { ...verify, goal: '>= 10,000 entries/s after start-up' } };
}

export function printGoals(g) {
  const yes = (m) => (m ? 'met' : 'NOT met');
  const n = g.kansas_noop;
  console.log(`kansas no-op build: ${n.median_ms} ms, peak RSS ${n.median_rss_kib === null ? 'n/a' : `${Math.round(n.median_rss_kib / 1024)} MiB`}, ${n.ledger_entries_per_noop} ledger entries per no-op (${n.dataset_versions} dataset versions; goal ${n.goal}): ${yes(n.met)}`);
  const s = g.startup;
  console.log(`kfm --version: ${s.median_kfm_ms} ms vs node -e 0 ${s.median_node_ms} ms (goal ${s.goal}): ${yes(s.met)}`);
  const v = g.verify;
  console.log(`kfm receipts verify: ${v.entries} entries in ${Math.round(v.median_ms)} ms (node start-up ${Math.round(Math.min(...v.node_startup_ms))}-${Math.round(Math.max(...v.node_startup_ms))} ms): ${v.entries_per_s} entries/s (goal ${v.goal}): ${yes(v.met)}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const g = await benchGoals(join(root, 'bench', 'out'), { quick: process.argv.includes('--quick') });
  printGoals(g);
}
