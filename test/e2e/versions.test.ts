/**
 * Dataset versions and rerun modes through the real CLI: new, retry, reprocess (spec or task
 * code changed, with the JSON pointers that changed), backfill (same spec, other raw bytes,
 * with the raw digests that changed), `--expect` refusing a build in another mode without
 * writing anything for the dataset, the registry file, and the receipts each build signs.
 */
import Database from 'better-sqlite3';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useCliRigs, type BuildReport, type CliRig } from '../support/cliRig.js';
import { expectValidReport } from './reportSchemas.js';

const newRig = useCliRigs();

const KFMFILE = (threshold: string) => `import { defineKfm, dataset, task, ingest } from 'kfm';
const spec = { kfm_spec_version: 'v1', dataset_slug: 'ks', title: 'Rows', upstream: { authority: 'test', access_method: 'file', endpoints: [], cadence: 'none', terms_snapshot: { license: 'CC0-1.0' } }, sensitivity: { policy_label_intent: 'public', pii_risk: 'none', sensitive_location_risk: 'none', obligations: ['attribution'] }, normalization: { canonical_fields: ['id', 'name'], crs: 'none' }, validation: { checks: [{ name: 'row_count', threshold: '${threshold}' }] }, outputs: [] };
export default defineKfm({ datasets: [
  dataset(spec, [
    ingest('fetch', { source: 'file:src/rows.csv', terms: { license: 'CC0-1.0' } }),
    task('clean', { run: './clean.ts', deps: ['fetch'] }),
    task('qa', { run: './qa.ts', deps: ['clean'], operation: 'qa', params: { checks: spec.validation.checks } }),
  ], { slice: '2019' }),
] });
`;

const CLEAN_TASK = `import type { TaskContext } from 'kfm';
export default async function clean(ctx: TaskContext): Promise<void> {
  const csv = await ctx.dep('fetch')['rows.csv']!.text();
  const rows = csv.trim().split('\\n').slice(1).map((line) => line.split(',').map((cell) => cell.trim()));
  await ctx.output('rows.json', JSON.stringify(rows), 'application/json');
}
`;

const QA_TASK = `import type { TaskContext } from 'kfm';
export default async function qa(ctx: TaskContext): Promise<void> {
  const rows = await ctx.dep('clean')['rows.json']!.json<string[][]>();
  const report = { kfm_validation_report_version: 'v1', status: 'pass', reports: [{ name: 'row_count', status: 'pass', value: rows.length, threshold: '>= 1' }] };
  await ctx.output('qa/validation_report.json', JSON.stringify(report, null, 2) + '\\n', 'application/json');
}
`;

const ROWS = 'id,name\n1,Allen\n2,Anderson\n';

function project(options: { trust?: boolean } = {}): CliRig {
  return newRig({ 'kfmfile.ts': KFMFILE('>= 1'), 'clean.ts': CLEAN_TASK, 'qa.ts': QA_TASK, 'src/rows.csv': ROWS }, options);
}

const sha256 = (bytes: Buffer | string) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** Every file under data/: path → digest of its bytes. */
function dataDigests(rig: CliRig): Map<string, string> {
  const root = rig.path('data');
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(relative(root, p), sha256(readFileSync(p)));
    }
  };
  walk(root);
  return out;
}

/** The versions table of the state database. */
function stateVersions(rig: CliRig): { dataset_version_id: string; mode: string }[] {
  const db = new Database(rig.path('.kfm/state.db'), { readonly: true });
  try {
    return db.prepare('SELECT dataset_version_id, mode FROM versions ORDER BY rowid').all() as { dataset_version_id: string; mode: string }[];
  } finally {
    db.close();
  }
}

function ledgerSize(rig: CliRig): number {
  const db = new Database(rig.path('.kfm/ledger.db'), { readonly: true });
  try {
    return db.prepare('SELECT COUNT(*) FROM entries').pluck().get() as number;
  } finally {
    db.close();
  }
}

/** The signed receipt (the statement's predicate) in a receipt file. */
function receiptIn(rig: CliRig, path: string): Record<string, unknown> {
  const envelope = JSON.parse(rig.read(`data/${path}`)) as { payload: string };
  return (JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as { predicate: Record<string, unknown> }).predicate;
}

function receiptFiles(rig: CliRig, dvid: string): string[] {
  return readdirSync(rig.path('data/catalog/ks', dvid, 'receipts')).sort();
}

async function build(rig: CliRig, args: string[] = []): Promise<{ code: number | null; stderr: string; report: BuildReport }> {
  const { result, report } = await rig.buildJson(args);
  expectValidReport('build', report);
  return { code: result.code, stderr: result.stderr, report };
}

describe('rerun modes', () => {
  it('names new, retry, reprocess and backfill, and never changes the bytes behind a version', async () => {
    const rig = project();

    // new
    const first = await build(rig, ['--expect', 'new', '--actor', 'alice', '--role', 'steward']);
    expect(first.code).toBe(0);
    const v1 = first.report.versions[0]!;
    expect(v1).toMatchObject({ dataset_slug: 'ks', slice: '2019', created: true, mode: 'new', mode_reason: 'no version of ks@2019 yet' });
    expect(v1.dataset_version_id).toBe(`2019.${v1.spec_hash.slice(7, 15)}`);
    expect(v1.receipts).toHaveLength(3);
    const files1 = receiptFiles(rig, v1.dataset_version_id);
    // One receipt per task node, and the catalog stage's.
    expect(v1.stages).toMatchObject([{ stage: 'kfm:catalog', status: 'executed', problems: 0 }]);
    expect(files1).toEqual([...v1.receipts, v1.stages[0]!.receipt!.run_id].map((id) => `${id.slice('kfm://run/'.length)}.json`).sort());
    const qa = files1.map((f) => receiptIn(rig, `catalog/ks/${v1.dataset_version_id}/receipts/${f}`)).find((r) => r.operation === 'qa')!;
    expect(qa).toMatchObject({
      mode: 'new',
      mode_reason: 'no version of ks@2019 yet',
      actor: { principal: 'alice', role: 'steward' },
      dataset_version_id: v1.dataset_version_id,
      spec_hash: v1.spec_hash,
      node: 'ks/qa',
      validation: { status: 'pass', reports: [{ name: 'row_count', status: 'pass', value: 2 }] },
      policy: { policy_label: 'public', obligations: ['attribution'] },
      environment: { git_commit: null, parameters: { checks: [{ name: 'row_count', threshold: '>= 1' }] } },
      outputs: [{ zone: 'processed', path: `processed/ks/${v1.dataset_version_id}/qa/validation_report.json`, media_type: 'application/json' }],
    });
    const registry1 = rig.read('registry/ks.json');
    const afterFirst = dataDigests(rig);

    // retry: the same version; nothing but one more receipt, the retry's (and its ledger entry); the catalog is cached.
    const second = await build(rig, ['--expect', 'retry']);
    expect(second.code).toBe(0);
    expect(second.report.counts).toEqual({ executed: 0, cached: 3, failed: 0, skipped: 0 });
    const cachedCatalog = { ...v1.stages[0]!, status: 'cached', reason: 'its key is unchanged', receipt: null, problems: null, paths: v1.stages[0]!.paths.filter((p) => !p.includes('/receipts/')) };
    expect(second.report.versions).toEqual([{ ...v1, created: false, mode: 'retry', mode_reason: 'same spec and raw inputs', receipts: expect.any(Array), stages: [cachedCatalog] }]);
    expect(rig.read('registry/ks.json')).toBe(registry1);
    expect(stateVersions(rig)).toEqual([{ dataset_version_id: v1.dataset_version_id, mode: 'new' }]);
    expect(ledgerSize(rig)).toBe(5);
    const afterRetry = dataDigests(rig);
    for (const [path, digest] of afterFirst) expect(afterRetry.get(path), path).toBe(digest);
    expect([...afterRetry.keys()].filter((p) => !afterFirst.has(p))).toHaveLength(1);
    const retryReceipt = receiptIn(rig, [...afterRetry.keys()].find((p) => !afterFirst.has(p))!);
    expect(retryReceipt).toMatchObject({ operation: 'retry', mode: 'retry', actor: { role: 'operator' } });
    expect(retryReceipt.mode_reason).toMatch(/^same spec and raw inputs; no node ran again: the results of 3 nodes stand \(from build \d{8}T\d{6}Z-[0-9a-f]{8}\)$/);

    // A QA threshold edit is a reprocess: --expect retry refuses it and writes nothing for ks.
    rig.write({ 'kfmfile.ts': KFMFILE('>= 2') });
    const refused = await build(rig, ['--expect', 'retry']);
    expect(refused.code).toBe(1);
    expect(refused.report.status).toBe('failed');
    expect(refused.report.versions).toEqual([]);
    const message = refused.report.errors[0]!;
    expect(message).toMatch(/^ks@2019: expected a retry, but this build is a reprocess \(spec changed since 2019\.[0-9a-f]{8}: /);
    expect(message).toContain('/spec/validation/checks/0/threshold: ">= 1" → ">= 2"');
    expect(message).toContain('/tasks/2/params/checks/0/threshold: ">= 1" → ">= 2"');
    expect(message).toMatch(/\); nothing was recorded for ks$/);
    expect(refused.stderr).toBe('');
    const plain = await rig.run(['build', '--expect', 'retry']);
    expect(plain.code).toBe(1);
    expect(plain.stderr).toBe(`kfm: ${message}\n`);
    expect(plain.stdout).not.toMatch(/^(version|receipts|linked) /m);
    expect(plain.stdout).toMatch(/\nbuild failed: 0 executed, 3 cached, 0 failed, 0 skipped in \d+\.\d\ds\n$/);
    expect(rig.read('registry/ks.json')).toBe(registry1);
    expect(stateVersions(rig)).toHaveLength(1);
    expect(ledgerSize(rig)).toBe(5);
    expect(dataDigests(rig)).toEqual(afterRetry);

    const third = await build(rig, ['--expect', 'reprocess']);
    expect(third.code).toBe(0);
    const v2 = third.report.versions[0]!;
    expect(v2).toMatchObject({ created: true, mode: 'reprocess' });
    expect(v2.spec_hash).not.toBe(v1.spec_hash);
    expect(v2.dataset_version_id).toBe(`2019.${v2.spec_hash.slice(7, 15)}`);
    expect(v2.mode_reason).toBe(
      `spec changed since ${v1.dataset_version_id}: /spec/validation/checks/0/threshold: ">= 1" → ">= 2", /tasks/2/params/checks/0/threshold: ">= 1" → ">= 2"`,
    );

    // Other raw bytes, same spec: a backfill, naming the raw digests that changed.
    const oldRaw = sha256(ROWS);
    rig.write({ 'src/rows.csv': `${ROWS}3,Atchison\n` });
    const newRaw = sha256(`${ROWS}3,Atchison\n`);
    const fourth = await build(rig);
    expect(fourth.code).toBe(0);
    const v3 = fourth.report.versions[0]!;
    expect(v3).toMatchObject({ created: true, mode: 'backfill', spec_hash: v2.spec_hash });
    expect(v3.dataset_version_id).toBe(`${v2.dataset_version_id}.${v3.inputs_digest.slice(7, 15)}`);
    expect(v3.mode_reason).toMatch(new RegExp(`^raw inputs changed since ${v2.dataset_version_id.replace('.', '\\.')} \\(same spec\\): `));
    expect(v3.mode_reason).toContain(`file:src/rows.csv ${oldRaw.slice(0, 19)} → ${newRaw.slice(0, 19)}`);
    expect(v3.mode_reason).toContain(`ks/fetch:rows.csv ${oldRaw.slice(0, 19)} → ${newRaw.slice(0, 19)}`);

    // Task code edit: a reprocess naming the task's code entry and its file.
    rig.write({ 'clean.ts': CLEAN_TASK.replace('cell.trim()', 'cell.trim().toUpperCase()') });
    const fifth = await build(rig);
    expect(fifth.report.versions[0]).toMatchObject({ mode: 'reprocess' });
    expect(fifth.report.versions[0]!.mode_reason).toBe(`spec changed since ${v3.dataset_version_id}: /tasks/0/code: task code changed (clean.ts)`);

    // The earlier versions' bytes and receipts are untouched.
    const end = dataDigests(rig);
    for (const [path, digest] of afterRetry) expect(end.get(path), path).toBe(digest);
    expect(stateVersions(rig).map((v) => v.mode)).toEqual(['new', 'reprocess', 'backfill', 'reprocess']);

    // The registry lists each version once, oldest first, each a candidate: no build publishes one.
    const registry = JSON.parse(rig.read('registry/ks.json')) as { versions: { dataset_version_id: string; mode: string; status: string }[]; latest_version_id: string | null };
    expect(registry.versions.map((v) => [v.dataset_version_id, v.mode, v.status])).toEqual([
      [v1.dataset_version_id, 'new', 'candidate'],
      [v2.dataset_version_id, 'reprocess', 'candidate'],
      [v3.dataset_version_id, 'backfill', 'candidate'],
      [fifth.report.versions[0]!.dataset_version_id, 'reprocess', 'candidate'],
    ]);
    expect(registry.latest_version_id).toBeNull();
  });

  it('writes the registry file diff-friendly: sorted keys, 2-space indent, a trailing newline', async () => {
    const rig = project();
    const { report } = await build(rig);
    const v = report.versions[0]!;
    const text = rig.read('registry/ks.json');
    const doc = JSON.parse(text) as Record<string, unknown>;
    expect(text.endsWith('}\n')).toBe(true);
    expect(Object.keys(doc)).toEqual([
      'dataset_slug',
      'kfm_registry_version',
      'latest_version_id',
      'policy_label',
      'spec_document',
      'spec_hash',
      'task_code',
      'title',
      'versions',
    ]);
    expect(text).toContain('\n  "dataset_slug": "ks",\n');
    expect(doc).toMatchObject({
      kfm_registry_version: 'v2',
      dataset_slug: 'ks',
      title: 'Rows',
      policy_label: 'public',
      spec_hash: v.spec_hash,
      // A build makes a candidate; only kfm promote sets latest_version_id.
      latest_version_id: null,
      versions: [{ dataset_version_id: v.dataset_version_id, slice: '2019', spec_hash: v.spec_hash, inputs_digest: v.inputs_digest, mode: 'new', status: 'candidate' }],
      task_code: { clean: [['clean.ts', expect.stringMatching(/^sha256:/)]], qa: [['qa.ts', expect.stringMatching(/^sha256:/)]] },
    });
    expect((doc.spec_document as { tasks: { name: string }[] }).tasks.map((t) => t.name)).toEqual(['clean', 'fetch', 'qa']);
    // No wall-clock value in the committed file: the version entry has exactly these fields
    // (the receipts anchor is a ledger position and an entry hash).
    const entry = (doc.versions as Record<string, unknown>[])[0]!;
    expect(Object.keys(entry).sort()).toEqual(['dataset_version_id', 'inputs_digest', 'mode', 'receipts_anchor', 'slice', 'spec_hash', 'status']);
    expect(entry['receipts_anchor']).toEqual({ ledger_id: expect.stringMatching(/^sha256:[0-9a-f]{64}$/), seq: expect.any(Number), entry_hash: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) });
  });

  it('prints the mode, the receipts and the links in plain output', async () => {
    const rig = project();
    expect((await rig.run(['build'])).code).toBe(0);
    const again = await rig.run(['build']);
    expect(again).toMatchObject({ code: 0, stderr: '' });
    const dvid = (JSON.parse(rig.read('registry/ks.json')) as { versions: { dataset_version_id: string }[] }).versions[0]!.dataset_version_id;
    expect(again.stdout).toContain(
      [
        `version  ks@${dvid} (retry: same spec and raw inputs)`,
        `receipts ks@${dvid}: 1 signed, ledger seq 5`,
        `catalog  ks@${dvid}: cached`,
        `linked   ks@${dvid} (9 files under data/)`,
        '',
      ].join('\n'),
    );
  });

  it('signs with the per-user key (generated on first use), or the one KFM_SIGNING_KEY names', async () => {
    // No key and no kfm.trust.json yet: the first build generates the one and creates the other.
    const rig = project({ trust: false });
    expect((await build(rig)).code).toBe(0);
    const key = join(rig.configDir, 'kfm/keys/ed25519.pem');
    expect(statSync(key).mode & 0o777).toBe(0o600);
    expect(statSync(join(rig.configDir, 'kfm/keys')).mode & 0o777).toBe(0o700);
    const trusted = readdirSync(rig.path('.kfm/keys'));
    expect(trusted).toEqual([expect.stringMatching(/^[0-9a-f]{64}\.pub\.pem$/)]);

    // A named key that does not exist stops the build before anything runs.
    rig.write({ 'src/rows.csv': `${ROWS}3,Atchison\n` });
    const missing = join(rig.configDir, 'nope.pem');
    const r = await rig.run(['build'], { env: { KFM_SIGNING_KEY: missing } });
    expect(r).toMatchObject({ code: 2, stdout: '', stderr: `kfm: KFM_SIGNING_KEY names ${missing}, which does not exist\n` });
    expect(ledgerSize(rig)).toBe(4);
    // A key inside the project is refused.
    rig.write({ 'keys/k.pem': readFileSync(key) });
    expect(await rig.run(['build'], { env: { KFM_SIGNING_KEY: rig.path('keys/k.pem') } })).toMatchObject({
      code: 2,
      stderr: `kfm: the signing key ${rig.path('keys/k.pem')} is inside the project: keep private keys outside it\n`,
    });
    // Another key: its public half lands in .kfm/keys/, but trust is pinned in kfm.trust.json
    // (which the first build created): its receipts verify only once it is pinned there.
    const other = join(rig.configDir, 'other.pem');
    writeFileSync(other, generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, { mode: 0o600 });
    expect((await rig.run(['build'], { env: { KFM_SIGNING_KEY: other } })).code).toBe(0);
    const keys = readdirSync(rig.path('.kfm/keys'));
    expect(keys).toHaveLength(2);
    expect((await rig.run(['receipts', 'verify'])).code).toBe(1);
    const otherPub = keys.find((k) => k !== trusted[0])!;
    expect((await rig.run(['receipts', 'trust', 'add', `.kfm/keys/${otherPub}`, 'another key'])).code).toBe(0);
    expect((await rig.run(['receipts', 'verify'])).code).toBe(0);
  });

  it('refuses --expect without a versioned target, and an unknown mode', async () => {
    const rig = newRig({
      'kfmfile.ts': `import { defineKfm, dataset, task } from 'kfm';\nconst spec = { kfm_spec_version: 'v1', dataset_slug: 'u', title: 'u', upstream: { authority: 't', access_method: 'file', endpoints: [], cadence: 'none', terms_snapshot: { license: 'CC0-1.0' } }, sensitivity: { policy_label_intent: 'public', pii_risk: 'none', sensitive_location_risk: 'none', obligations: [] }, normalization: { canonical_fields: [], crs: 'none' }, validation: { checks: [] }, outputs: [] };\nexport default defineKfm({ datasets: [dataset(spec, [task('t', { run: './t.ts' })])] });\n`,
      't.ts': `export default async function t(ctx: { output(n: string, d: string, m: string): Promise<unknown> }) { await ctx.output('o.txt', 'x', 'text/plain'); }\n`,
    });
    expect(await rig.run(['build', '--expect', 'retry'])).toMatchObject({
      code: 2,
      stderr: 'kfm: --expect needs a versioned target: name a slice (e.g. ks_counties@2017) or give the dataset a default slice\n',
    });
    expect(await rig.run(['build', '--expect', 'rebuild'])).toMatchObject({
      code: 2,
      stderr: 'kfm: --expect needs a rerun mode: new, retry, reprocess, backfill (got "rebuild")\n',
    });
    expect(await rig.run(['plan', '--expect', 'retry'])).toMatchObject({ code: 2, stderr: 'kfm: --expect applies to kfm build (not plan)\n' });
    // An unversioned build writes no receipts and no registry.
    expect((await rig.run(['build'])).code).toBe(0);
    expect(statSync(rig.path('registry'), { throwIfNoEntry: false })).toBeUndefined();
    expect(statSync(rig.path('.kfm/ledger.db'), { throwIfNoEntry: false })).toBeUndefined();
  });
});
