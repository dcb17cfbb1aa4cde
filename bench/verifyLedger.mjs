// `kfm receipts verify` throughput (issue 13's goal: >= 10,000 ledger entries/s after
// start-up). A real kfm project is built once (a small GeoJSON dataset: its ledger, store,
// catalog, registry and kfm.trust.json are kfm's own); then its ledger is grown to N entries
// with receipts signed by the project's own key through kfm's signing functions (dist/:
// receiptStatement, signStatement, chainEntry), each a retry receipt of the built version
// (what a no-op build records), with its receipt file written as the ReceiptWriter would.
// The appends go in one SQLite transaction (the real ReceiptWriter appends one entry per
// transaction with synchronous=FULL: 100,000 fsyncs would time the disk, not kfm).
// Then `kfm receipts verify --json` is timed as a user runs it, and `node -e 0` beside it
// for the start-up; entries/s = (entries) / (verify wall - node start-up).
import { spawnSync } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const KFM = join(root, 'bin', 'kfm.js');
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const dist = (p) => import(pathToFileURL(join(root, 'dist', p)).href);

const POLICY = {
  kfm_policy_version: 'v1',
  licences: [{ id: 'CC-BY-4.0', requires_attribution: true }],
  labels: { public: { publish: true } },
  qa: { override_role: 'steward', allow_unchecked: true },
};
const KFMFILE = `import { defineKfm, dataset, task } from 'kfm';
const spec = { kfm_spec_version: 'v1', dataset_slug: 'places', title: 'Places', upstream: { authority: 'bench', access_method: 'file', endpoints: [], cadence: 'none', terms_snapshot: { license: 'CC-BY-4.0', attribution: 'bench' } }, sensitivity: { policy_label_intent: 'public', pii_risk: 'none', sensitive_location_risk: 'none', obligations: ['attribution'] }, normalization: { canonical_fields: [], crs: 'EPSG:4326' }, validation: { checks: [] }, outputs: [] };
export default defineKfm({ datasets: [dataset(spec, [task('copy', { run: './copy.ts', inputs: ['places.geojson'] }), task('again', { run: './again.ts', deps: ['copy'] })], { slice: '2026' })] });
`;
const COPY = `import type { TaskContext } from 'kfm';
export default async function copy(ctx: TaskContext): Promise<void> {
  await ctx.output('places.geojson', await ctx.inputs[0]!.read(), 'application/geo+json');
}
`;
const AGAIN = `import type { TaskContext } from 'kfm';
export default async function again(ctx: TaskContext): Promise<void> {
  await ctx.output('places_again.geojson', await ctx.dep('copy')['places.geojson']!.read(), 'application/geo+json');
}
`;

function run(dir, file, args) {
  const t0 = performance.now();
  const r = spawnSync(file, args, { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 1 << 28 });
  const ms = performance.now() - t0;
  return { ms, code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const kfm = (dir, args) => {
  const r = run(dir, process.execPath, [KFM, ...args]);
  if (r.code !== 0 && !(args[0] === 'receipts' && r.code === 1)) throw new Error(`kfm ${args.join(' ')} exited ${r.code}: ${r.stderr.slice(-2000)}`);
  return r;
};

/** A built project whose ledger holds `entries` entries (all verifying). */
export async function makeVerifyProject(dir, entries) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const features = Array.from({ length: 50 }, (_, i) => ({ type: 'Feature', properties: { id: i }, geometry: { type: 'Point', coordinates: [i / 10, i / 20] } }));
  writeFileSync(join(dir, 'places.geojson'), JSON.stringify({ type: 'FeatureCollection', features }) + '\n');
  writeFileSync(join(dir, 'kfmfile.ts'), KFMFILE);
  writeFileSync(join(dir, 'copy.ts'), COPY);
  writeFileSync(join(dir, 'again.ts'), AGAIN);
  writeFileSync(join(dir, 'kfm.policy.json'), JSON.stringify(POLICY, null, 2) + '\n');
  try {
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  } catch {}
  const env = { ...process.env, KFM_SIGNING_KEY: `${dir}-signing-key.pem` };
  writeFileSync(env.KFM_SIGNING_KEY, generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
  const b = spawnSync(process.execPath, [KFM, 'build', '--json'], { cwd: dir, encoding: 'utf8', env });
  if (b.status !== 0) throw new Error(`kfm build exited ${b.status}: ${b.stderr.slice(-2000)}`);

  const [{ default: Database }, { serializeEnvelope, signStatement }, { receiptStatement }, { chainEntry, prepareAppend, LEDGER_KIND_RUN_RECEIPT }, { loadOrCreateSigningKey }, { receiptFileName, runId }] =
    await Promise.all([
      import(pathToFileURL(join(root, 'node_modules', 'better-sqlite3', 'lib', 'index.js')).href),
      dist('store/receipts/dsse.js'),
      dist('store/receipts/inTotoStatement.js'),
      dist('store/ledger/ledger.js'),
      dist('store/receipts/signingKey.js'),
      dist('store/receipts/runReceipt.js'),
    ]);
  const key = loadOrCreateSigningKey({ projectRoot: dir, env });
  const db = new Database(join(dir, '.kfm', 'ledger.db'));
  const rows = db.prepare('SELECT * FROM entries ORDER BY seq').all();
  // The template: the build's last per-node receipt (it names the node's inputs and outputs).
  const template = rows
    .map((r) => JSON.parse(Buffer.from(JSON.parse(r.envelope).payload, 'base64').toString('utf8')).predicate)
    .filter((p) => typeof p.node === 'string')
    .at(-1);
  let head = { seq: rows.at(-1).seq, entryHash: rows.at(-1).entry_hash };
  const insert = db.prepare(
    'INSERT INTO entries (seq, prev_hash, entry_hash, kind, dataset_slug, dataset_version_id, run_id, envelope, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const receiptsDir = join(dir, 'data', 'catalog', template.dataset_slug, template.dataset_version_id, 'receipts');
  const t0 = Date.parse(template.created_at);
  const add = db.transaction((from, to) => {
    for (let i = from; i < to; i++) {
      const at = new Date(t0 + (i + 1) * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
      const seed = `sha256:${createHash('sha256').update(`bench ${i}`).digest('hex')}`;
      const r = { ...template, run_id: runId(new Date(at), template.dataset_slug, seed), mode: 'retry', mode_reason: 'bench: a no-op build found the node cached', timestamps: { started_at: at, ended_at: at }, created_at: at };
      const envelope = signStatement(receiptStatement(r), key);
      const e = chainEntry(prepareAppend({ kind: LEDGER_KIND_RUN_RECEIPT, envelope }), head, at);
      insert.run(e.seq, e.prevHash, e.entryHash, e.kind, e.datasetSlug, e.datasetVersionId, e.runId, e.envelope, e.createdAt);
      writeFileSync(join(receiptsDir, receiptFileName(r.run_id)), `${serializeEnvelope(envelope)}\n`);
      head = { seq: e.seq, entryHash: e.entryHash };
    }
  });
  const extra = Math.max(0, entries - rows.length);
  for (let i = 0; i < extra; i += 5000) add(i, Math.min(extra, i + 5000));
  db.close();
  return { dir, entries: head.seq };
}

/** Times `kfm receipts verify --json` on a project of `entries` ledger entries. */
export async function benchVerify(work, { entries = 100_000, reps = 3 } = {}) {
  const dir = join(work, 'verify-project');
  const made = await makeVerifyProject(dir, entries);
  const verify = [];
  const startup = [];
  let report;
  for (let i = 0; i < reps; i++) {
    startup.push(run(dir, process.execPath, ['-e', '0']).ms);
    const r = kfm(dir, ['receipts', 'verify', '--json']);
    report = JSON.parse(r.stdout);
    if (r.code !== 0) throw new Error(`kfm receipts verify found problems on the generated ledger: ${JSON.stringify(report.problems.slice(0, 3))}`);
    verify.push(r.ms);
  }
  const wall = median(verify);
  const node = median(startup);
  const rate = made.entries / ((wall - node) / 1000);
  rmSync(dir, { recursive: true, force: true });
  rmSync(`${dir}-signing-key.pem`, { force: true });
  return { entries: made.entries, verify_ms: verify, node_startup_ms: startup, median_ms: wall, entries_per_s: Math.round(rate), goal_entries_per_s: 10000, met: rate >= 10000, checked: report.checked };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const n = Number(process.argv[2] ?? 100000);
  const work = join(root, 'bench', 'out');
  if (process.argv[3] === '--make-only') {
    const m = await makeVerifyProject(join(work, 'verify-project'), n);
    console.log(JSON.stringify(m));
  } else console.log(JSON.stringify(await benchVerify(work, { entries: n, reps: 1 }), null, 2));
}
