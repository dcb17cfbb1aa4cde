// Hashing throughput: Node's raw SHA-256 (read + hash in a loop, 1 MiB chunks: the limit any
// hasher in Node can reach) against kfm's own file hasher, `hashFileSync(path)` from
// dist/core/hashFile.js (reported as n/a while it does not exist), on one 1 GiB file and on
// 10,000 4-KiB files. Files are written first, so both sides read from the page cache.
//
// node bench/hash.mjs [--dir DIR] [--big-mib 1024] [--small-count 10000] [--small-kib 4]
//                     [--reps 3] [--keep] [--json]
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, rmSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = resolve(here, '..');
const arg = (name, dflt) => {
  const k = process.argv.indexOf(name);
  return k >= 0 ? process.argv[k + 1] : dflt;
};
const dir = resolve(arg('--dir', join(here, 'out', 'hash')));
const bigMiB = Number(arg('--big-mib', '1024'));
const smallCount = Number(arg('--small-count', '10000'));
const smallKiB = Number(arg('--small-kib', '4'));
const reps = Math.max(1, Number(arg('--reps', '3')));
const keep = process.argv.includes('--keep');
const asJson = process.argv.includes('--json');
const log = (...a) => (asJson ? console.error(...a) : console.log(...a));

const MiB = 1 << 20;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const hex = (d) => String(d).replace(/^sha256:/, '');

function rawHashFile(path, buf) {
  const fd = openSync(path, 'r');
  try {
    const h = createHash('sha256');
    let size = 0;
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      h.update(n === buf.length ? buf : buf.subarray(0, n));
      size += n;
    }
    return { digest: h.digest('hex'), size };
  } finally {
    closeSync(fd);
  }
}

async function loadKfmHasher() {
  const file = join(root, 'dist', 'core', 'hashFile.js');
  if (!existsSync(file)) return { fn: null, why: 'dist/core/hashFile.js not found' };
  try {
    const mod = await import(pathToFileURL(file).href);
    if (typeof mod.hashFileSync !== 'function') return { fn: null, why: 'dist/core/hashFile.js has no export hashFileSync' };
    return { fn: mod.hashFileSync, why: null };
  } catch (e) {
    return { fn: null, why: `import failed: ${String(e?.message ?? e).split('\n')[0]}` };
  }
}

function time(fn) {
  const t0 = process.hrtime.bigint();
  const r = fn();
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, r };
}

const result = {
  chunk_bytes: MiB,
  big_file: { bytes: bigMiB * MiB },
  small_files: { count: smallCount, bytes_each: smallKiB * 1024 },
  reps,
};

mkdirSync(dir, { recursive: true });
const bigPath = join(dir, 'big.bin');
const smallDir = join(dir, 'small');
try {
  // --- the data ---
  log(`hash: writing ${bigMiB} MiB file and ${smallCount} x ${smallKiB} KiB files in ${dir}`);
  const block = randomBytes(MiB);
  const fd = openSync(bigPath, 'w');
  for (let i = 0; i < bigMiB; i++) {
    block.writeUInt32LE(i, 0); // every chunk differs
    writeSync(fd, block);
  }
  closeSync(fd);
  rmSync(smallDir, { recursive: true, force: true });
  mkdirSync(smallDir);
  const smallPaths = [];
  for (let i = 0; i < smallCount; i++) {
    const p = join(smallDir, `f${String(i).padStart(5, '0')}.bin`);
    const fdw = openSync(p, 'w');
    writeSync(fdw, randomBytes(smallKiB * 1024));
    closeSync(fdw);
    smallPaths.push(p);
  }

  // The CPU limit, no I/O: SHA-256 over a 1 MiB buffer, 256 times.
  {
    const runs = [];
    for (let k = 0; k < reps; k++) {
      runs.push(
        time(() => {
          const h = createHash('sha256');
          for (let i = 0; i < 256; i++) h.update(block);
          return h.digest('hex');
        }).ms,
      );
    }
    result.sha256_in_memory = { bytes: 256 * MiB, runs_ms: runs, median_ms: median(runs), mib_per_s: 256 / (median(runs) / 1000) };
  }

  const kfm = await loadKfmHasher();
  result.kfm_hasher = kfm.fn ? 'dist/core/hashFile.js#hashFileSync' : null;
  if (!kfm.fn) result.kfm_unavailable = kfm.why;

  // --- 1 GiB file: raw and kfm, interleaved ---
  const buf = Buffer.allocUnsafe(MiB);
  const raw = [];
  const kf = [];
  let rawDigest = null;
  let kfmCheck = null;
  rawHashFile(bigPath, buf); // warm the page cache
  for (let k = 0; k < reps; k++) {
    const a = time(() => rawHashFile(bigPath, buf));
    raw.push(a.ms);
    rawDigest = a.r.digest;
    if (kfm.fn) {
      try {
        const b = time(() => kfm.fn(bigPath));
        kf.push(b.ms);
        kfmCheck = hex(b.r?.digest) === rawDigest && b.r?.size === bigMiB * MiB ? 'ok' : `mismatch: ${JSON.stringify(b.r)}`;
      } catch (e) {
        kfmCheck = `error: ${String(e?.message ?? e).split('\n')[0]}`;
      }
    }
  }
  const mibps = (ms) => bigMiB / (ms / 1000);
  result.big_file.raw = { runs_ms: raw, median_ms: median(raw), mib_per_s: mibps(median(raw)) };
  result.big_file.kfm = kf.length
    ? { runs_ms: kf, median_ms: median(kf), mib_per_s: mibps(median(kf)), check: kfmCheck }
    : { status: kfm.fn ? kfmCheck : 'n/a', why: kfm.why ?? undefined };

  // --- many small files ---
  const rawSmall = () => {
    for (const p of smallPaths) createHash('sha256').update(readFileSync(p)).digest('hex');
  };
  rawSmall(); // warm
  const sraw = [];
  const skfm = [];
  let smallCheck = null;
  for (let k = 0; k < reps; k++) {
    sraw.push(time(rawSmall).ms);
    if (kfm.fn && !String(kfmCheck).startsWith('error')) {
      try {
        skfm.push(time(() => {
          for (const p of smallPaths) kfm.fn(p);
        }).ms);
        const probe = kfm.fn(smallPaths[0]);
        smallCheck = hex(probe?.digest) === createHash('sha256').update(readFileSync(smallPaths[0])).digest('hex') ? 'ok' : 'mismatch';
      } catch (e) {
        smallCheck = `error: ${String(e?.message ?? e).split('\n')[0]}`;
      }
    }
  }
  const per = (ms) => ({ median_ms: median(ms), files_per_s: smallCount / (median(ms) / 1000), mib_per_s: (smallCount * smallKiB) / 1024 / (median(ms) / 1000) });
  result.small_files.raw = { runs_ms: sraw, ...per(sraw), method: 'readFileSync + createHash per file' };
  result.small_files.kfm = skfm.length
    ? { runs_ms: skfm, ...per(skfm), check: smallCheck }
    : { status: kfm.fn ? smallCheck ?? 'error' : 'n/a', why: kfm.why ?? undefined };
} finally {
  if (!keep) {
    rmSync(bigPath, { force: true });
    rmSync(smallDir, { recursive: true, force: true });
  }
}

if (asJson) process.stdout.write(JSON.stringify(result) + '\n');
else console.log(JSON.stringify(result, null, 2));
