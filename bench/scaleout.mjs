// Issue 14's numbers (`node bench/run.mjs --scaleout`): what the scale-out seams cost.
// - The benchmark's generated graph (bench/generate.mjs), clean build: the local pool
//   (`kfm build --jobs 2`, file store, SQLite) against `kfm build --executor queue` with 1,
//   2 and 3 `kfm worker -j 2` processes (PostgreSQL state and queue, s3rver store), all on
//   this machine. The difference per task is the queue path's per-job overhead.
// - The content store: put and get of 1000 small objects and of a few large ones, the local
//   file store against the S3 store on s3rver over loopback.
// Figures also go to bench/results/scaleout.json with the machine and the date.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { generateGraph, graphStats, writeProject } from './generate.mjs';
import { postgres } from './projections.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = resolve(here, '..');
const KFM = join(root, 'bin', 'kfm.js');
const dist = (p) => import(pathToFileURL(join(root, 'dist', p)).href);

/** Runs kfm to completion: wall ms and exit code. */
function kfm(args, cwd, env) {
  return new Promise((ok) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [KFM, ...args], { cwd, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => ok({ ms: performance.now() - t0, code, stderr: stderr.slice(-2000) }));
  });
}

/** `n` workers (`-j threads`) serving the queue, resolved once each has said it is serving. */
async function startWorkers(n, threads, cwd, env) {
  const workers = [];
  for (let i = 0; i < n; i++) {
    const child = spawn(process.execPath, [KFM, 'worker', '-j', String(threads)], { cwd, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let jobs = 0;
    const ready = new Promise((ok, fail) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        jobs += (String(d).match(/^done /gm) ?? []).length;
        if (/^worker /m.test(out)) ok();
      });
      child.on('close', (code) => fail(new Error(`kfm worker exited ${code} before serving`)));
    });
    workers.push({ child, ready, jobs: () => jobs, exited: new Promise((ok) => child.on('close', ok)) });
  }
  await Promise.all(workers.map((w) => w.ready));
  return workers;
}

async function stopWorkers(workers) {
  for (const w of workers) w.child.kill('SIGTERM');
  await Promise.all(workers.map((w) => w.exited));
}

/** The clean build of the generated graph, locally and on the queue with 1, 2 and 3 workers. */
async function benchQueue({ n, seed, work, pg, s3, workerCounts, threads }) {
  const graph = generateGraph({ n, seed });
  const dir = join(work, `n${n}`);
  writeProject(graph, dir);
  const { default: Pg } = await import('pg');
  const reset = () => {
    rmSync(join(dir, '.kfm'), { recursive: true, force: true });
    rmSync(join(dir, 'data'), { recursive: true, force: true });
  };
  const out = { n, graph: graphStats(graph), threads_per_worker: threads, local: null, queue: [] };
  reset();
  const local = await kfm(['build', '--jobs', String(threads), '--reporter', 'plain'], dir, {});
  if (local.code !== 0) throw new Error(`local build exited ${local.code}: ${local.stderr}`);
  out.local = { ms: local.ms, per_task_ms: local.ms / n };
  console.log(`   local pool (--jobs ${threads}): ${(local.ms / 1000).toFixed(1)} s, ${(local.ms / n).toFixed(2)} ms per task`);
  const admin = new Pg.Client({ connectionString: pg.url });
  await admin.connect();
  try {
    for (const w of workerCounts) {
      reset();
      const db = `scaleout_${n}_${w}`;
      await admin.query(`DROP DATABASE IF EXISTS ${db}`);
      await admin.query(`CREATE DATABASE ${db}`);
      const env = { ...s3.env, KFM_STATE: pg.url.replace(/\/[^/]*$/, `/${db}`), KFM_STORE: `s3://${s3.bucket}/n${n}w${w}/` };
      const workers = await startWorkers(w, threads, dir, env);
      let r;
      try {
        r = await kfm(['build', '--executor', 'queue', '--reporter', 'plain'], dir, env);
      } finally {
        await stopWorkers(workers);
      }
      if (r.code !== 0) throw new Error(`queue build (${w} workers) exited ${r.code}: ${r.stderr}`);
      const overhead = (r.ms - local.ms) / n;
      out.queue.push({ workers: w, ms: r.ms, per_task_ms: r.ms / n, overhead_per_task_ms: overhead, jobs_per_worker: workers.map((x) => x.jobs()) });
      console.log(`   queue, ${w} worker${w === 1 ? '' : 's'} (-j ${threads}): ${(r.ms / 1000).toFixed(1)} s, ${(r.ms / n).toFixed(2)} ms per task (${overhead >= 0 ? '+' : ''}${overhead.toFixed(2)} ms vs local); jobs ${workers.map((x) => x.jobs()).join('/')}`);
    }
  } finally {
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

/** Put then get of `objects` (distinct, random bytes) in a store: ms per object each way. */
async function storeRound(store, objects) {
  const t0 = performance.now();
  const digests = [];
  for (const o of objects) digests.push((await store.put(o)).digest);
  const t1 = performance.now();
  for (const d of digests) await store.get(d);
  const t2 = performance.now();
  return { put_ms_per_object: (t1 - t0) / objects.length, get_ms_per_object: (t2 - t1) / objects.length };
}

async function benchStores({ work, s3, small, smallBytes, large, largeBytes }) {
  const { FileContentStore } = await dist('store/contentStore.js');
  const { S3ContentStore } = await dist('store/s3/s3ContentStore.js');
  const { s3StoreDescriptor } = await dist('store/s3/s3Location.js');
  Object.assign(process.env, s3.env);
  const sets = {
    small: Array.from({ length: small }, () => randomBytes(smallBytes)),
    large: Array.from({ length: large }, () => randomBytes(largeBytes)),
  };
  const out = { small: { objects: small, bytes: smallBytes }, large: { objects: large, bytes: largeBytes } };
  for (const [name, objects] of Object.entries(sets)) {
    const localStore = new FileContentStore(mkdtempSync(join(work, 'store-')));
    const s3Store = new S3ContentStore(s3StoreDescriptor(`s3://${s3.bucket}/stores-${name}/`, process.env));
    out[name].local = await storeRound(localStore, objects);
    out[name].s3 = await storeRound(s3Store, objects);
    const f = (x) => `put ${x.put_ms_per_object.toFixed(2)} ms, get ${x.get_ms_per_object.toFixed(2)} ms`;
    console.log(`   ${objects.length} × ${objects[0].length} B: local ${f(out[name].local)}; S3 ${f(out[name].s3)} per object`);
  }
  return out;
}

/** s3rver on a loopback port with one bucket, as test/support/s3.ts starts it. */
async function startS3(work) {
  const { default: S3rver } = await import('s3rver');
  const dir = mkdtempSync(join(work, 's3rver-'));
  const bucket = 'kfm-bench';
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: dir, allowMismatchedSignatures: true, configureBuckets: [{ name: bucket, configs: [] }] });
  const { port } = await server.run();
  const env = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1', KFM_S3_ENDPOINT: `http://127.0.0.1:${port}`, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  return { bucket, env, stop: () => server.close() };
}

export async function runScaleout(opts, machine) {
  console.log('\n================ scale-out (issue 14) ================');
  const n = opts.scaleoutN;
  const work = join(opts.out, 'scaleout');
  mkdirSync(work, { recursive: true });
  const pg = await postgres(work);
  if (!pg) throw new Error('PostgreSQL not found: apt-get install -y postgresql-15 (or set KFM_POSTGRES_URL)');
  const s3 = await startS3(work);
  try {
    console.log(`== clean build of the generated graph, N=${n} (store: s3rver; state and queue: PostgreSQL; all on this machine)`);
    const queue = await benchQueue({ n, seed: opts.seed, work, pg, s3, workerCounts: [1, 2, 3], threads: opts.jobs });
    console.log('== content store, local file store vs S3 (s3rver, loopback)');
    const stores = await benchStores({ work, s3, small: 1000, smallBytes: 1024, large: 4, largeBytes: 32 << 20 });
    const file = join(here, 'results', 'scaleout.json');
    mkdirSync(join(here, 'results'), { recursive: true });
    writeFileSync(file, JSON.stringify({ kfm_bench_scaleout_version: 1, date: new Date().toISOString(), machine, queue, stores }, null, 2) + '\n');
    console.log(`scale-out: ${file}`);
  } finally {
    await s3.stop();
    pg.stop();
    rmSync(work, { recursive: true, force: true });
  }
}
