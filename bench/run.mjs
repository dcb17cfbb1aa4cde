// kfm benchmark: kfm against GNU make and ninja on the same generated graphs, plus hashing
// throughput. `npm run bench` (builds dist/ first), or `node bench/run.mjs --help`.
// See bench/README.md.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  rmdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchGoals, printGoals } from './goals.mjs';
import { expectedDigests, generateGraph, graphStats, pickLeafChange, writeProject, DEFAULT_SEED } from './generate.mjs';

const BENCH_VERSION = 1;
const here = fileURLToPath(new URL('.', import.meta.url));
const root = resolve(here, '..');
let KFM_BIN = join(root, 'bin', 'kfm.js');
const GNU_TIME = '/usr/bin/time';
const ALL_TOOLS = ['make', 'ninja', 'kfm'];

// ---------------------------------------------------------------- options

const HELP = `usage: node bench/run.mjs [options]     (npm run bench -- [options])

  --sizes LIST     graph sizes, e.g. 1000,10000 or 1k,10k (default 1000,10000,50000)
  --quick          fewer repetitions (clean 1, no-op 3, leaf change 2)
  --tools LIST     subset of make,ninja,kfm (default all)
  --jobs N         parallel jobs for every tool (default 2)
  --seed N         graph seed (default ${DEFAULT_SEED})
  --timeout SEC    per-run time limit, the run is killed and reported as error (default 1800)
  --no-hash        skip the hashing throughput benchmark
  --hash-only      only the hashing benchmark
  --keep           keep the generated graphs in bench/out/graphs/ (default: removed after each size)
  --out DIR        where results.json, logs/ and graphs/ go (default bench/out)
  --kfm-bin PATH   the kfm CLI to run (default bin/kfm.js of this checkout)
  --goals          only issue 13's goals (bench/goals.mjs): the Kansas pipeline's no-op build
                   (wall, peak RSS, ledger entries added), kfm --version vs node -e 0, and
                   kfm receipts verify on a generated 100,000-entry ledger; each with its goal,
                   met or not; also written to bench/results/goals.json. Not in the
                   default run: generating the 100,000-entry ledger alone takes minutes
  --verify-entries N  the generated ledger's size for the verify goal (default 100k)
  --projections    only the projections section (bench/projections.mjs): PostGIS load vs
                   ogr2ogr, tiles z0-z10 vs ogr2ogr -f MBTiles, on 135,233 world places
  --scaleout       only issue 14's scale-out numbers (bench/scaleout.mjs): the generated
                   graph's clean build, local pool vs --executor queue with 1, 2 and 3
                   kfm worker processes (PostgreSQL + s3rver on this machine), and the S3
                   store's per-object put/get cost vs the local store; also written to
                   bench/results/scaleout.json
  --scaleout-n N   the graph's size for --scaleout (default 10k)
  --serve          only the kfm serve load test (bench/serve.mjs): p50/p99 latency of
                   GET /api/v1/lineage/status with 100 datasets, autocannon on loopback
`;

function parseArgs(argv) {
  const o = {
    sizes: [1000, 10000, 50000],
    quick: false,
    tools: [...ALL_TOOLS],
    jobs: 2,
    seed: DEFAULT_SEED,
    timeoutSec: 1800,
    hash: true,
    hashOnly: false,
    keep: false,
    out: join(here, 'out'),
    goalsOnly: false,
    verifyEntries: 100_000,
    scaleoutN: 10_000,
  };
  const num = (s) => {
    const m = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(String(s).trim());
    if (!m) throw new Error(`not a number: ${s}`);
    return Math.round(Number(m[1]) * ({ k: 1e3, K: 1e3, m: 1e6, M: 1e6 }[m[2]] ?? 1));
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--help' || a === '-h') {
      process.stdout.write(HELP);
      process.exit(0);
    } else if (a === '--sizes') o.sizes = val().split(',').filter(Boolean).map(num);
    else if (a === '--quick') o.quick = true;
    else if (a === '--tools') o.tools = val().split(',').filter(Boolean);
    else if (a === '--jobs') o.jobs = num(val());
    else if (a === '--seed') o.seed = num(val());
    else if (a === '--timeout') o.timeoutSec = num(val());
    else if (a === '--no-hash') o.hash = false;
    else if (a === '--hash-only') o.hashOnly = true;
    else if (a === '--keep') o.keep = true;
    else if (a === '--out') o.out = resolve(val());
    else if (a === '--kfm-bin') o.kfmBin = resolve(val());
    else if (a === '--projections') o.projections = true;
    else if (a === '--serve') o.serve = true;
    else if (a === '--scaleout') o.scaleout = true;
    else if (a === '--scaleout-n') o.scaleoutN = num(val());
    else if (a === '--goals') o.goalsOnly = true;
    else if (a === '--verify-entries') o.verifyEntries = num(val());
    else throw new Error(`unknown option ${a}\n\n${HELP}`);
  }
  for (const t of o.tools) if (!ALL_TOOLS.includes(t)) throw new Error(`unknown tool ${t} (make, ninja, kfm)`);
  for (const n of o.sizes) if (!(n >= 10)) throw new Error(`size ${n} is too small (at least 10)`);
  o.reps = o.quick ? { clean: 1, noop: 3, leaf: 2 } : { clean: 3, noop: 10, leaf: 5 };
  // A phase stops repeating after its minimum once a tool has spent this long in it.
  o.minReps = o.quick ? { clean: 1, noop: 3, leaf: 2 } : { clean: 3, noop: 3, leaf: 3 };
  o.budgetMs = { clean: Infinity, noop: 30_000, leaf: 30_000 };
  return o;
}

let opts;
try {
  opts = parseArgs(process.argv.slice(2));
} catch (e) {
  console.error(`bench: ${e.message}`);
  process.exit(2);
}
if (opts.kfmBin) KFM_BIN = opts.kfmBin;
if (opts.projections) {
  mkdirSync(opts.out, { recursive: true });
  const { runProjections } = await import('./projections.mjs');
  await runProjections(opts);
  process.exit(0);
}
if (opts.serve) {
  mkdirSync(opts.out, { recursive: true });
  const { runServe } = await import('./serve.mjs');
  await runServe(opts);
  process.exit(0);
}

/** Issue 13's goals; the figures also go to bench/results/goals.json with the machine and the date (a results file). */
async function runGoals(machine) {
  console.log('\n================ goals (issue 13) ================');
  const g = await benchGoals(opts.out, { quick: opts.quick, verifyEntries: opts.verifyEntries });
  printGoals(g);
  const file = join(here, 'results', 'goals.json');
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(file, JSON.stringify({ kfm_bench_goals_version: 1, date: new Date().toISOString(), machine, quick: opts.quick, ...g }, null, 2) + '\n');
  console.log(`goals: ${file}`);
  return g;
}

// ---------------------------------------------------------------- helpers

const median = (xs) => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmtMs = (ms) =>
  ms == null ? '-' : ms < 10 ? `${ms.toFixed(1)} ms` : ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
const fmtKiB = (k) => (k == null ? '-' : `${(k / 1024).toFixed(1)} MiB`);
const ratio = (a, b) => (a == null || b == null || b === 0 ? '-' : `${(a / b).toFixed(2)}x`);
const sh = (cmd, args) => {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
};
const rotate = (xs, k) => xs.map((_, i) => xs[(i + k) % xs.length]);

/** The line of a failed tool's stderr worth showing: the first that reads as an error, else the first. */
function errorLine(stderr, logPath, code, signal) {
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  const useful = lines.filter((l) => !/^at\s|^\^+$|^node:internal\/|^throw\s|^Node\.js v\d/.test(l));
  let line = useful.find((l) => /error|fail|cannot|can't|not found|invalid|unknown|denied/i.test(l)) ?? useful[0] ?? lines[0];
  if (!line && logPath && existsSync(logPath)) {
    const out = readFileSync(logPath, 'utf8').split('\n').map((l) => l.trim()).filter(Boolean);
    line = out.reverse().find((l) => /error|fail/i.test(l)) ?? out[0];
  }
  const how = signal ? `killed by ${signal}` : `exit ${code}`;
  return `${line ? line.slice(0, 300) : 'no output'} (${how})`;
}

// ---------------------------------------------------------------- the tools

const tools = {
  make: {
    version: sh('make', ['--version'])?.split('\n')[0] ?? null,
    install: 'apt-get install -y make',
    cmd: (dir) => ({ file: 'make', args: ['-r', `-j${opts.jobs}`], cwd: dir }),
    reset: (dir) => {
      rmSync(join(dir, 'mk'), { recursive: true, force: true });
      mkdirSync(join(dir, 'mk'));
    },
    outDir: 'mk',
  },
  ninja: {
    version: sh('ninja', ['--version']),
    install: 'apt-get install -y ninja-build',
    cmd: (dir) => ({ file: 'ninja', args: [`-j${opts.jobs}`], cwd: dir }),
    reset: (dir) => rmSync(join(dir, 'nj'), { recursive: true, force: true }),
    outDir: 'nj',
  },
  kfm: {
    version: (() => {
      try {
        return `kfm ${JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version} (${root})`;
      } catch {
        return null;
      }
    })(),
    install: 'npm run build (bin/kfm.js + dist/)',
    cmd: (dir) => ({
      file: process.execPath,
      args: [KFM_BIN, 'build', '--jobs', String(opts.jobs), '-C', dir, '--reporter', 'plain'],
      cwd: dir,
    }),
    reset: (dir) => {
      rmSync(join(dir, '.kfm'), { recursive: true, force: true });
      rmSync(join(dir, 'data'), { recursive: true, force: true });
    },
    outDir: null,
  },
};
const haveGnuTime = existsSync(GNU_TIME) && sh(GNU_TIME, ['-f', '%M', '/bin/true']) !== null;
const memoryMethod = haveGnuTime
  ? `${GNU_TIME} -f %M (max RSS of the largest single process in the tool's process tree; kfm's worker threads count in its process)`
  : 'polling /proc/<pid>/status VmHWM every 10 ms (largest single process in the tree; /usr/bin/time not found: apt-get install -y time)';

const env = { ...process.env };
for (const k of ['MAKEFLAGS', 'MFLAGS', 'MAKELEVEL', 'MAKEOVERRIDES', 'GNUMAKEFLAGS']) delete env[k];

let current = null; // the running child, for SIGINT
let currentIsGroup = false;
let cleanupDir = null;

/** Polls the VmHWM of pid and its descendants (fallback when /usr/bin/time is missing). */
function startHwmPoll(pid) {
  let peak = 0;
  const poll = () => {
    const stack = [pid];
    const seen = new Set();
    while (stack.length) {
      const p = stack.pop();
      if (seen.has(p)) continue;
      seen.add(p);
      try {
        const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
        if (m) peak = Math.max(peak, Number(m[1]));
        for (const t of readdirSync(`/proc/${p}/task`)) {
          const kids = readFileSync(`/proc/${p}/task/${t}/children`, 'utf8').trim();
          if (kids) stack.push(...kids.split(/\s+/).map(Number));
        }
      } catch {
        // gone already
      }
    }
  };
  poll();
  const timer = setInterval(poll, 10);
  return {
    stop: () => {
      clearInterval(timer);
      return peak || null;
    },
    poll,
  };
}

/** Runs one tool once; resolves to { ok, ms, rssKiB, error }. Wall time is measured here. */
function runOnce(tool, dir, label, logDir) {
  const { file, args, cwd } = tools[tool].cmd(dir);
  const logPath = join(logDir, `${label}.log`);
  const rssPath = join(logDir, `${label}.rss`);
  rmSync(rssPath, { force: true });
  const out = openSync(logPath, 'w');
  const [bin, argv] = haveGnuTime ? [GNU_TIME, ['-f', '%M', '-o', rssPath, file, ...args]] : [file, args];
  return new Promise((resolvePromise) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(bin, argv, { cwd, env, stdio: ['ignore', out, 'pipe'], detached: true });
    current = child;
    currentIsGroup = true;
    const poller = haveGnuTime ? null : startHwmPoll(child.pid);
    let stderr = '';
    child.stderr.on('data', (d) => {
      if (stderr.length < 256 * 1024) stderr += d;
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, opts.timeoutSec * 1000);
    child.on('error', (e) => {
      stderr += `\n${e.message}`;
    });
    child.on('close', (code, signal) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      clearTimeout(timer);
      closeSync(out);
      current = null;
      let rssKiB = poller ? poller.stop() : null;
      if (haveGnuTime && existsSync(rssPath)) {
        // GNU time writes "Command exited with non-zero status N" first on failure.
        const lines = readFileSync(rssPath, 'utf8').trim().split('\n');
        const v = Number(lines[lines.length - 1]);
        rssKiB = Number.isFinite(v) && v > 0 ? v : null;
        if (code === 0 && /non-zero status/.test(lines[0] ?? '')) code = 1;
      }
      // GNU time exits with the command's status; 127 = command not found.
      if (timedOut) resolvePromise({ ok: false, ms, rssKiB, error: `timed out after ${opts.timeoutSec} s` });
      else if (code === 0) resolvePromise({ ok: true, ms, rssKiB });
      else resolvePromise({ ok: false, ms, rssKiB, error: errorLine(stderr, logPath, code, signal) });
    });
  });
}

// ---------------------------------------------------------------- checking outputs

const sha256File = (p) => createHash('sha256').update(readFileSync(p)).digest('hex');

/** make/ninja: every target's file has the expected bytes. */
function verifyOutDir(graph, dir, outDir, digests) {
  let bad = 0;
  let missing = 0;
  let first = null;
  for (const t of graph.targets) {
    const p = join(dir, outDir, `${t.name}.txt`);
    if (!existsSync(p)) {
      missing++;
      first ??= `${outDir}/${t.name}.txt missing`;
    } else if (sha256File(p) !== digests[t.i]) {
      bad++;
      first ??= `${outDir}/${t.name}.txt has the wrong bytes`;
    }
  }
  const ok = bad === 0 && missing === 0;
  return { ok, checked: graph.n, wrong: bad, missing, ...(first ? { first_problem: first } : {}) };
}

/**
 * kfm: its store layout is its own business, so look for the expected bytes anywhere under
 * .kfm/ and data/ (by content digest). Informative only.
 */
function verifyKfm(graph, dir, digests) {
  const found = new Set();
  const walk = (d) => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        try {
          if (statSync(p).size <= 64 << 20) found.add(sha256File(p));
        } catch {
          // raced
        }
      }
    }
  };
  walk(join(dir, '.kfm'));
  walk(join(dir, 'data'));
  let hits = 0;
  for (const d of digests) if (found.has(d)) hits++;
  return { ok: hits === graph.n, checked: graph.n, found: hits, how: 'expected bytes located by digest under .kfm/ and data/' };
}

// ---------------------------------------------------------------- one size

async function benchSize(n, active, logRoot) {
  const t0 = Date.now();
  const graph = generateGraph({ n, seed: opts.seed });
  const dir = join(opts.out, 'graphs', `n${n}`);
  cleanupDir = opts.keep ? null : dir;
  writeProject(graph, dir);
  const leaf = pickLeafChange(graph);
  const leafOriginal = graph.targets[leaf.target].srcText;
  const { digests, totalBytes } = expectedDigests(graph);
  const logDir = join(logRoot, `n${n}`);
  mkdirSync(logDir, { recursive: true });
  const stats = graphStats(graph);
  console.log(
    `\n== N=${n}: ${stats.sources} leaf sources, ${stats.headers} headers, ${stats.dep_edges} dependency edges, ` +
      `${(totalBytes / 1048576).toFixed(1)} MiB of outputs; leaf change: ${leaf.path} (${leaf.affected} targets rebuilt); ` +
      `generated in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );

  const res = {
    n,
    graph: { ...stats, seed: opts.seed, output_bytes: totalBytes },
    leaf_change: leaf,
    dir,
    tools: {},
  };
  const phaseNames = ['clean', 'noop', 'leaf'];
  for (const tool of active) {
    res.tools[tool] = {};
    for (const p of phaseNames) res.tools[tool][p] = { status: 'ok', runs_ms: [], rss_kib: [] };
  }
  const failed = new Set();
  const fail = (tool, phase, error) => {
    failed.add(tool);
    Object.assign(res.tools[tool][phase], { status: 'error', error });
    for (const p of phaseNames.slice(phaseNames.indexOf(phase) + 1)) {
      Object.assign(res.tools[tool][p], { status: 'error', error: `skipped: ${phase} failed` });
    }
    console.log(`   ${tool}: error: ${error}`);
  };

  let leafEdits = 0;
  for (const phase of phaseNames) {
    const spent = Object.fromEntries(active.map((t) => [t, 0]));
    for (let rep = 0; rep < opts.reps[phase]; rep++) {
      const line = [];
      for (const tool of rotate(active, rep)) {
        if (failed.has(tool)) continue;
        const cell = res.tools[tool][phase];
        if (cell.runs_ms.length >= opts.minReps[phase] && spent[tool] > opts.budgetMs[phase]) continue;
        if (phase === 'clean') tools[tool].reset(dir);
        if (phase === 'leaf') {
          // New bytes (and so a new mtime) before every run: each tool sees one changed leaf.
          writeFileSync(join(dir, leaf.path), `${leafOriginal}edit ${++leafEdits}\n`);
        }
        const r = await runOnce(tool, dir, `${tool}-${phase}`, logDir);
        spent[tool] += r.ms;
        if (!r.ok) {
          fail(tool, phase, r.error);
          continue;
        }
        cell.runs_ms.push(r.ms);
        if (r.rssKiB != null) cell.rss_kib.push(r.rssKiB);
        line.push(`${tool} ${fmtMs(r.ms)}`);
      }
      if (line.length) console.log(`   ${phase.padEnd(5)} #${rep + 1}: ${line.join('  ')}`);
    }
    for (const tool of active) {
      const cell = res.tools[tool][phase];
      cell.median_ms = median(cell.runs_ms);
      cell.median_rss_kib = median(cell.rss_kib);
      cell.max_rss_kib = cell.rss_kib.length ? Math.max(...cell.rss_kib) : null;
    }
  }

  // Put the leaf back, bring every tool up to date once more (untimed), check the outputs.
  writeFileSync(join(dir, leaf.path), leafOriginal);
  for (const tool of active) {
    if (failed.has(tool)) continue;
    const r = await runOnce(tool, dir, `${tool}-verify`, logDir);
    if (!r.ok) {
      res.tools[tool].verify = { ok: false, error: r.error };
    } else {
      res.tools[tool].verify =
        tool === 'kfm' ? verifyKfm(graph, dir, digests) : verifyOutDir(graph, dir, tools[tool].outDir, digests);
    }
    const v = res.tools[tool].verify;
    if (!v.ok) {
      const what = v.error ?? v.first_problem ?? `${v.found}/${v.checked} outputs found`;
      console.log(`   ${tool}: output check: ${tool === 'kfm' ? 'note' : 'FAILED'}: ${what}`);
    }
  }

  if (!opts.keep) {
    rmSync(dir, { recursive: true, force: true });
    res.dir = null;
  }
  cleanupDir = null;
  res.seconds = (Date.now() - t0) / 1000;
  return res;
}

// ---------------------------------------------------------------- hashing

function benchHash() {
  console.log('\n== hashing: 1 GiB file and 10,000 4-KiB files (raw node:crypto vs kfm hashFileSync)');
  return new Promise((resolvePromise) => {
    const args = [join(here, 'hash.mjs'), '--json', '--dir', join(opts.out, 'hash'), '--reps', opts.quick ? '1' : '3'];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    current = child;
    currentIsGroup = false;
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.on('close', (code) => {
      current = null;
      try {
        resolvePromise(JSON.parse(stdout.trim().split('\n').pop()));
      } catch {
        resolvePromise({ error: `bench/hash.mjs failed (exit ${code})` });
      }
    });
  });
}

// ---------------------------------------------------------------- report

function cellText(cell, key) {
  if (!cell) return '-';
  if (cell.status === 'missing') return 'missing';
  if (cell.status === 'error') return 'error';
  return key === 'ms' ? fmtMs(cell.median_ms) : fmtKiB(cell.median_rss_kib);
}

function printSize(r) {
  const cols = ['make', 'ninja', 'kfm'];
  const rows = [
    ['clean build', 'clean', 'ms'],
    ['no-op rebuild', 'noop', 'ms'],
    ['one-leaf change', 'leaf', 'ms'],
    ['peak RSS, clean', 'clean', 'rss'],
    ['peak RSS, no-op', 'noop', 'rss'],
  ];
  const table = [['', ...cols, 'kfm/ninja', 'kfm/make']];
  for (const [label, phase, key] of rows) {
    const cells = cols.map((t) => cellText(r.tools[t]?.[phase], key));
    const v = (t) => {
      const c = r.tools[t]?.[phase];
      if (!c || c.status !== 'ok') return null;
      return key === 'ms' ? c.median_ms : c.median_rss_kib;
    };
    table.push([label, ...cells, ratio(v('kfm'), v('ninja')), ratio(v('kfm'), v('make'))]);
  }
  const widths = table[0].map((_, c) => Math.max(...table.map((row) => row[c].length)));
  console.log(`\nN=${r.n}  (medians; runs: clean ${runsOf(r, 'clean')}, no-op ${runsOf(r, 'noop')}, leaf ${runsOf(r, 'leaf')})`);
  for (const row of table) console.log('  ' + row.map((s, c) => (c === 0 ? s.padEnd(widths[c]) : s.padStart(widths[c]))).join('   '));
  const notes = new Set();
  for (const t of cols) {
    for (const p of ['clean', 'noop', 'leaf']) {
      const c = r.tools[t]?.[p];
      if (c?.status === 'error' && !String(c.error).startsWith('skipped')) notes.add(`  ${t} ${p}: error: ${c.error}`);
      if (c?.status === 'missing') notes.add(`  ${t}: ${c.error}`);
    }
  }
  for (const note of notes) console.log(note);
}
const runsOf = (r, p) => {
  const counts = Object.values(r.tools).map((t) => t[p]?.runs_ms?.length ?? 0).filter((x) => x > 0);
  return counts.length ? [...new Set(counts)].join('/') : 0;
};

function printHash(h) {
  if (!h) return;
  console.log('\nhashing throughput (medians)');
  if (h.error) return console.log(`  error: ${h.error}`);
  const k = (x, f) => (x && x.median_ms != null ? f(x) : x?.status ?? 'n/a');
  const big = h.big_file;
  const small = h.small_files;
  const rows = [
    ['', 'node raw sha256', 'kfm hashFileSync', 'kfm/raw'],
    [
      '1 GiB file (1 MiB reads)',
      k(big.raw, (x) => `${Math.round(x.mib_per_s)} MiB/s`),
      k(big.kfm, (x) => `${Math.round(x.mib_per_s)} MiB/s`),
      big.kfm?.mib_per_s ? `${(big.kfm.mib_per_s / big.raw.mib_per_s).toFixed(2)}x` : '-',
    ],
    [
      '10,000 x 4 KiB files',
      k(small.raw, (x) => `${Math.round(x.files_per_s)} files/s`),
      k(small.kfm, (x) => `${Math.round(x.files_per_s)} files/s`),
      small.kfm?.files_per_s ? `${(small.kfm.files_per_s / small.raw.files_per_s).toFixed(2)}x` : '-',
    ],
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  for (const row of rows) console.log('  ' + row.map((s, c) => (c === 0 ? s.padEnd(widths[c]) : s.padStart(widths[c]))).join('   '));
  if (h.sha256_in_memory) console.log(`  (sha256 in memory, no I/O: ${Math.round(h.sha256_in_memory.mib_per_s)} MiB/s; kfm/raw > 1 means kfm is faster)`);
  if (h.kfm_unavailable) console.log(`  kfm hasher: n/a (${h.kfm_unavailable})`);
  for (const c of [big.kfm?.check, small.kfm?.check]) if (c && c !== 'ok') console.log(`  kfm hasher check: ${c}`);
}

// ---------------------------------------------------------------- main

process.on('SIGINT', () => {
  if (current) {
    try {
      // Tool runs are detached (their own process group); the hash child is not.
      if (currentIsGroup) process.kill(-current.pid, 'SIGKILL');
      else current.kill('SIGKILL');
    } catch {
      // gone
    }
  }
  if (cleanupDir) rmSync(cleanupDir, { recursive: true, force: true });
  console.error('\nbench: interrupted');
  process.exit(130);
});

const machine = {
  cpus: os.cpus().length,
  cpu_model: os.cpus()[0]?.model ?? null,
  total_mem_bytes: os.totalmem(),
  platform: `${os.platform()} ${os.release()} ${os.arch()}`,
  os: (() => {
    try {
      return /PRETTY_NAME="([^"]+)"/.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? null;
    } catch {
      return null;
    }
  })(),
  node: process.version,
};

mkdirSync(opts.out, { recursive: true });
if (opts.goalsOnly) {
  await runGoals(machine);
  process.exit(0);
}
if (opts.scaleout) {
  const { runScaleout } = await import('./scaleout.mjs');
  await runScaleout(opts, machine);
  process.exit(0);
}
const logRoot = join(opts.out, 'logs');
rmSync(logRoot, { recursive: true, force: true });
mkdirSync(logRoot, { recursive: true });

const active = [];
const missing = {};
for (const t of opts.tools) {
  if (t === 'kfm' || tools[t].version) active.push(t);
  else missing[t] = `${t} not found on PATH: install it with \`${tools[t].install}\``;
}
for (const [t, m] of Object.entries(missing)) console.log(`bench: ${m} (its cells are reported as missing)`);
if (active.includes('kfm') && !existsSync(KFM_BIN)) {
  console.log(`bench: ${KFM_BIN} does not exist yet; kfm cells will show its error`);
}

const kfmCommand = `${process.execPath} ${KFM_BIN} build --jobs ${opts.jobs} -C <graph dir> --reporter plain`;
const results = {
  kfm_bench_version: BENCH_VERSION,
  date: new Date().toISOString(),
  machine,
  tools: {
    make: { version: tools.make.version, command: `make -r -j${opts.jobs}` },
    ninja: { version: tools.ninja.version, command: `ninja -j${opts.jobs}` },
    kfm: { version: tools.kfm.version, command: kfmCommand },
  },
  config: {
    sizes: opts.hashOnly ? [] : opts.sizes,
    quick: opts.quick,
    jobs: opts.jobs,
    seed: opts.seed,
    repetitions: opts.reps,
    tools: opts.tools,
    timing: 'wall clock from spawn to exit, measured by the harness; tools run interleaved, order rotated each repetition',
    memory: memoryMethod,
    clean_build: 'before every clean run: make mk/ removed, ninja nj/ (incl. .ninja_log) removed, kfm .kfm/ and data/ removed',
    leaf_change: 'the leaf source gets new bytes (so a new mtime) before each run of each tool',
  },
  sizes: [],
  hashing: null,
};
const resultsPath = join(opts.out, 'results.json');
const save = () => writeFileSync(resultsPath, JSON.stringify(results, null, 2) + '\n');

console.log(`kfm bench v${BENCH_VERSION}: ${machine.cpus} cpus, node ${machine.node}, ${tools.make.version ?? 'make missing'}, ninja ${tools.ninja.version ?? 'missing'}`);
console.log(`memory: ${memoryMethod}`);
console.log(`kfm: ${kfmCommand}`);

if (!opts.hashOnly) {
  for (const n of opts.sizes) {
    const r = await benchSize(n, active, logRoot);
    for (const t of Object.keys(missing)) {
      r.tools[t] = Object.fromEntries(['clean', 'noop', 'leaf'].map((p) => [p, { status: 'missing', error: missing[t] }]));
    }
    results.sizes.push(r);
    save();
    printSize(r);
  }
}
if (opts.hash || opts.hashOnly) {
  results.hashing = await benchHash();
  save();
}

// Leave bench/out/ tidy: results.json and logs/ stay; emptied work dirs go.
for (const d of ['graphs', 'hash']) {
  try {
    rmdirSync(join(opts.out, d)); // only if empty
  } catch {
    // kept (--keep) or not there
  }
}

console.log('\n================ summary (medians) ================');
for (const r of results.sizes) printSize(r);
printHash(results.hashing);
console.log(`\nresults: ${resultsPath}`);
