/**
 * Scale-out on existing engines, through the real CLI: a project built with its content
 * store in S3 (KFM_STORE=s3://…, against s3rver) and its state, ledger and lock in
 * PostgreSQL (KFM_STATE=postgres://…, a throwaway cluster). Nothing lands in the local
 * store or ledger; a rebuild runs nothing; `kfm receipts verify` passes against the
 * PostgreSQL ledger; an S3 object corrupted behind kfm's back is quarantined and its
 * producer reruns; and neither the AWS secret key nor the PostgreSQL password appears in
 * any output, project file or table.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgProjectLock } from '../../store/postgres/pgProjectLock.js';
import { useCliRigs, type CliResult, type CliRig } from '../support/cliRig.js';
import { postgresUnavailable, startPostgres, type PostgresCluster, queryPostgres as query } from '../support/postgres.js';
import { startS3, type S3Server } from '../support/s3.js';
import { AUDIT_FILES } from './auditProject.js';
import { expectValidReport } from './reportSchemas.js';

const skipped = postgresUnavailable();
const newRig = useCliRigs();
const sha256 = (bytes: string | Buffer) => createHash('sha256').update(bytes).digest('hex');

const AWS_SECRET = `aws-secret-${randomBytes(8).toString('hex')}`;
const PG_PASSWORD = `pg-password-${randomBytes(8).toString('hex')}`;

/** Every file under a directory, recursively (relative paths). */
function filesUnder(dir: string): string[] {
  return (readdirSync(dir, { recursive: true, withFileTypes: true }) as { isFile(): boolean; name: string; parentPath: string }[])
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

describe.skipIf(skipped !== undefined)(`scale-out: S3 store and PostgreSQL state${skipped ? ` (${skipped})` : ''}`, () => {
  let s3: S3Server;
  let cluster: PostgresCluster;
  let projects = 0;

  beforeAll(async () => {
    s3 = await startS3('kfm-e2e', AWS_SECRET);
    cluster = await startPostgres();
  }, 120_000);
  afterAll(async () => {
    await s3?.stop();
    cluster?.stop();
  });

  /** A project of its own: a bucket prefix and a database; the environment that points kfm at them (the URL with a password: trust auth ignores it). */
  function project(): { rig: CliRig; env: Record<string, string>; prefix: string; db: string; outputs: CliResult[] } {
    const n = projects++;
    const plain = cluster.createDatabase(`scaleout_${n}`);
    const db = plain.replace('kfm@', `kfm:${PG_PASSWORD}@`);
    const prefix = `projects/p${n}/`;
    const env = { ...s3.env, KFM_STORE: `s3://${s3.bucket}/${prefix}`, KFM_STATE: db };
    return { rig: newRig(AUDIT_FILES), env, prefix, db: plain, outputs: [] };
  }


  it('builds into S3 and PostgreSQL, rebuilds running nothing, and verifies its receipts against the PostgreSQL ledger', async () => {
    const p = project();
    const first = await p.rig.buildJson(['ks', 'side'], { env: p.env });
    p.outputs.push(first.result);
    expect(first.result.code, first.result.stderr).toBe(0);
    expect(first.result.stderr).toBe('');
    expectValidReport('build', first.report);
    expect(first.report.nodes.map((n) => [n.id, n.status])).toEqual([
      ['ks/clean', 'executed'],
      ['ks/fetch', 'executed'],
      ['side/s', 'executed'],
    ]);
    const dvid = first.report.versions.find((v) => v.dataset_slug === 'ks')!.dataset_version_id;
    const rows = p.rig.read(`data/processed/ks/${dvid}/rows.txt`);
    expect(rows).toBe('ID\n1');

    // The bytes are in the bucket under sha256/<aa>/<hex>; nothing local holds them or the ledger.
    const hex = sha256(rows);
    expect((await s3.getRaw(`${p.prefix}sha256/${hex.slice(0, 2)}/${hex}`))?.toString('utf8')).toBe(rows);
    expect(existsSync(p.rig.path('.kfm/store/objects'))).toBe(false);
    expect(existsSync(p.rig.path('.kfm/ledger.db'))).toBe(false);
    // Results, runs, versions and the five ledger entries (two datasets' run and catalog receipts) are in PostgreSQL.
    expect(await query(p.db, 'SELECT count(*)::int AS n FROM kfm_ledger_entries')).toEqual([{ n: 5 }]);
    expect(await query(p.db, "SELECT dataset_slug FROM kfm_versions ORDER BY dataset_slug")).toEqual([{ dataset_slug: 'ks' }, { dataset_slug: 'side' }]);
    expect(await query(p.db, 'SELECT node_id FROM kfm_latest ORDER BY node_id')).toEqual([{ node_id: 'ks/clean' }, { node_id: 'ks/fetch' }, { node_id: 'side/s' }]);
    expect(await query(p.db, "SELECT status FROM kfm_runs")).toEqual([{ status: 'succeeded' }]);

    // A rebuild runs nothing: every result comes from PostgreSQL, every object is in S3.
    const second = await p.rig.buildJson(['ks', 'side'], { env: p.env });
    p.outputs.push(second.result);
    expect(second.result.code, second.result.stderr).toBe(0);
    expect(second.report.nodes.map((n) => n.status)).toEqual(['cached', 'cached', 'cached']);
    expect(second.report.versions.map((v) => v.created)).toEqual([false, false]);
    // As with the local ledger, the run is receipted: one retry receipt per dataset version; the catalogs are cached.
    expect(second.report.versions.map((v) => v.receipts.length)).toEqual([1, 1]);
    expect(second.report.versions.map((v) => v.stages.map((st) => st.status))).toEqual([['cached'], ['cached']]);
    expect(await query(p.db, 'SELECT count(*)::int AS n FROM kfm_ledger_entries')).toEqual([{ n: 7 }]);

    const verify = await p.rig.run(['receipts', 'verify'], { env: p.env });
    p.outputs.push(verify);
    const [head] = await query<{ entry_hash: string }>(p.db, 'SELECT entry_hash FROM kfm_ledger_entries ORDER BY seq DESC LIMIT 1');
    expect(verify).toEqual({
      code: 0,
      signal: null,
      stdout: `receipts verified: 7 ledger entries; chain, signatures (pinned keys), receipt schemas, store digests, receipt files, data tree and registry intact; head ${head!.entry_hash}\n`,
      stderr: '',
    });

    // Secrets: neither the AWS secret key nor the PostgreSQL password is printed, written to a project file, or stored.
    for (const out of p.outputs) {
      expect(out.stdout + out.stderr).not.toContain(AWS_SECRET);
      expect(out.stdout + out.stderr).not.toContain(PG_PASSWORD);
    }
    for (const file of filesUnder(p.rig.dir)) {
      const text = readFileSync(file).toString('latin1');
      expect(text, file).not.toContain(AWS_SECRET);
      expect(text, file).not.toContain(PG_PASSWORD);
    }
    const dump = JSON.stringify([
      await query(p.db, 'SELECT * FROM kfm_ledger_entries'),
      await query(p.db, 'SELECT * FROM kfm_results'),
      await query(p.db, 'SELECT * FROM kfm_versions'),
      await query(p.db, 'SELECT * FROM kfm_runs'),
    ]);
    expect(dump).not.toContain(AWS_SECRET);
    expect(dump).not.toContain(PG_PASSWORD);
  }, 120_000);

  it('a second checkout (another machine) against the same bucket and database runs nothing and materializes data/ from S3', async () => {
    const p = project();
    const first = await p.rig.buildJson(['ks'], { env: p.env });
    expect(first.result.code, first.result.stderr).toBe(0);
    const dvid = first.report.versions[0]!.dataset_version_id;
    // What a clone has: the committed files (kfmfile, sources, registry, trust); no .kfm/, no data/. The same signer.
    const clone = newRig(AUDIT_FILES, { trust: false });
    clone.write({ 'kfm.trust.json': p.rig.read('kfm.trust.json'), 'registry/ks.json': p.rig.read('registry/ks.json') });
    const second = await clone.buildJson(['ks'], { env: { ...p.env, XDG_CONFIG_HOME: p.rig.configDir } });
    expect(second.result.code, second.result.stderr).toBe(0);
    expect(second.report.nodes.map((n) => [n.id, n.status])).toEqual([
      ['ks/clean', 'cached'],
      ['ks/fetch', 'cached'],
    ]);
    expect(second.report.versions.map((v) => [v.dataset_version_id, v.created])).toEqual([[dvid, false]]);
    expect(clone.read(`data/processed/ks/${dvid}/rows.txt`)).toBe(p.rig.read(`data/processed/ks/${dvid}/rows.txt`));
    expect(existsSync(clone.path('.kfm/store/objects'))).toBe(false);
  }, 120_000);

  it('the project lock is PostgreSQL\'s: a build waits while another machine holds it, naming the holder', async () => {
    const p = project();
    // Another machine's kfm, holding the lock (the same advisory lock every kfm on this database takes).
    const other = new PgProjectLock(p.db);
    await other.acquire('kfm build on another machine', () => undefined);
    let released = false;
    try {
      const build = p.rig.start(['build', 'ks'], { env: p.env, timeoutMs: 60_000 });
      await build.waitFor('stderr', /kfm: waiting for the project lock held by kfm build on another machine \(pid \d+ on .+, since .+\)\n/);
      expect(build.running).toBe(true);
      await other.release();
      released = true;
      const done = await build.exited;
      expect(done.code, done.stdout + done.stderr).toBe(0);
    } finally {
      if (!released) await other.release();
      await other.close();
    }
    // The build released it and left no holder behind; there is no local lock file.
    expect(await query(p.db, 'SELECT count(*)::int AS n FROM kfm_lock_holder')).toEqual([{ n: 0 }]);
    expect(existsSync(p.rig.path('.kfm/lock.db'))).toBe(false);
  }, 120_000);

  it('a task in a worker thread reads an upstream output by path (materialized from S3) and stores a file it wrote', async () => {
    const p = project();
    const byPath = `import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TaskContext } from 'kfm';
export default async function clean(ctx: TaskContext): Promise<void> {
  const text = ctx.inputs.length > 0 ? (await ctx.inputs[0]!.read()).toString('utf8') : readFileSync(ctx.dep('fetch')['rows.csv']!.path, 'utf8');
  const out = join(ctx.scratchDir, 'rows.txt');
  writeFileSync(out, text.trim().toUpperCase());
  await ctx.outputFile('rows.txt', out, 'text/plain');
}
`;
    p.rig.write({ 'clean.ts': byPath });
    const built = await p.rig.buildJson(['ks', '--jobs', '2'], { env: p.env });
    expect(built.result.code, built.result.stderr).toBe(0);
    const dvid = built.report.versions[0]!.dataset_version_id;
    expect(p.rig.read(`data/processed/ks/${dvid}/rows.txt`)).toBe('ID\n1');
    const hex = sha256('ID\n1');
    expect((await s3.getRaw(`${p.prefix}sha256/${hex.slice(0, 2)}/${hex}`))?.toString('utf8')).toBe('ID\n1');
    expect(existsSync(p.rig.path('.kfm/store/objects'))).toBe(false);
  }, 120_000);

  it('an S3 object corrupted behind kfm is quarantined and its producer reruns; receipts still verify', async () => {
    const p = project();
    const first = await p.rig.buildJson(['ks'], { env: p.env });
    expect(first.result.code, first.result.stderr).toBe(0);
    const dvid = first.report.versions[0]!.dataset_version_id;
    const good = p.rig.read(`data/processed/ks/${dvid}/rows.txt`);
    const hex = sha256(good);
    const key = `${p.prefix}sha256/${hex.slice(0, 2)}/${hex}`;
    const clean = await p.rig.run(['fsck'], { env: p.env });
    expect(clean.code, clean.stdout + clean.stderr).toBe(0);
    expect(clean.stdout).toMatch(/^fsck clean: \d+ store objects, 3 node outputs, 3 data files\n$/);
    // Same size, one byte changed: a HEAD cannot tell, the re-hash does.
    await s3.putRaw(key, good.replace('ID', 'IE'));
    // kfm fsck re-hashes every object in the bucket (listed under the prefix) and finds it.
    const found = await p.rig.run(['fsck'], { env: p.env });
    expect(found.code).toBe(1);
    expect(found.stdout).toContain(`problem  store object sha256:${hex} is corrupt: its bytes no longer hash to its digest: kfm fsck --repair\n`);

    const second = await p.rig.buildJson(['ks'], { env: p.env });
    expect(second.result.code, second.result.stderr).toBe(0);
    expect(second.report.integrity).toEqual([{ type: 'object-corrupt', digest: `sha256:${hex}`, node: 'ks/clean', output: 'rows.txt', found: 'corrupt' }]);
    expect(second.report.nodes.map((n) => [n.id, n.status])).toEqual([
      ['ks/clean', 'executed'],
      ['ks/fetch', 'cached'],
    ]);
    expect(second.report.versions[0]).toMatchObject({ dataset_version_id: dvid, mode: 'retry' });
    // The object is whole again; the corrupt bytes were kept aside under corrupt/.
    expect((await s3.getRaw(key))?.toString('utf8')).toBe(good);
    expect((await s3.getRaw(`${p.prefix}corrupt/${hex}`))?.toString('utf8')).toBe(good.replace('ID', 'IE'));
    const verify = await p.rig.run(['receipts', 'verify'], { env: p.env });
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);

    // A deleted object is missing: its producer reruns too.
    await s3.deleteRaw(key);
    const third = await p.rig.buildJson(['ks'], { env: p.env });
    expect(third.result.code, third.result.stderr).toBe(0);
    expect(third.report.nodes.find((n) => n.id === 'ks/clean')).toMatchObject({ status: 'executed', reason: { type: 'output-missing', output: 'rows.txt', digest: `sha256:${hex}` } });
    expect((await s3.getRaw(key))?.toString('utf8')).toBe(good);
  }, 120_000);

  it('names a bad KFM_STATE or KFM_STORE, with the password redacted; kfm gc refuses a remote backend', async () => {
    const p = project();
    const badState = await p.rig.run(['build', 'ks'], { env: { ...p.env, KFM_STATE: `mysql://kfm:${PG_PASSWORD}@127.0.0.1/x` } });
    expect(badState.code).toBe(2);
    expect(badState.stderr).toContain('KFM_STATE is mysql://kfm:REDACTED@127.0.0.1/x: give postgres://user@host:port/database, or sqlite (the default, .kfm/state.db)');
    const badStore = await p.rig.run(['build', 'ks'], { env: { ...p.env, KFM_STORE: 's3://Not_A_Bucket/x' } });
    expect(badStore.code).toBe(2);
    expect(badStore.stderr).toContain('KFM_STORE s3://Not_A_Bucket/x: Not_A_Bucket is not an S3 bucket name');
    const down = await p.rig.run(['build', 'ks'], { env: { ...p.env, KFM_STATE: `postgres://kfm:${PG_PASSWORD}@127.0.0.1:1/nowhere` } });
    expect(down.code).toBe(2);
    expect(down.stderr).toContain('postgres://kfm:REDACTED@127.0.0.1:1/nowhere');
    const s3Down = await p.rig.run(['build', 'ks'], { env: { ...p.env, KFM_S3_ENDPOINT: 'http://127.0.0.1:1' } });
    // An unreachable S3 endpoint fails the node that needed it, naming the object, the endpoint and the store.
    expect(s3Down.code).toBe(1);
    expect(s3Down.stdout).toMatch(
      new RegExp(`FAILED {3}ks/fetch: S3 head of s3://kfm-e2e/${p.prefix}sha256/[0-9a-f]{2}/[0-9a-f]{64} at http://127\\.0\\.0\\.1:1 failed: connect ECONNREFUSED 127\\.0\\.0\\.1:1 \\(store s3://kfm-e2e/${p.prefix}\\)\n`),
    );
    // kfm gc collects the local store against the local state: it refuses rather than collect against the wrong one.
    const gc = await p.rig.run(['gc'], { env: p.env });
    expect(gc.code).toBe(2);
    expect(gc.stderr).toContain('kfm gc collects the local store against the local state only: it does not run with KFM_STORE or KFM_STATE set (scale-out preview)');
    for (const r of [badState, badStore, down, s3Down, gc]) {
      expect(r.stdout + r.stderr).not.toContain(PG_PASSWORD);
      expect(r.stdout + r.stderr).not.toContain(AWS_SECRET);
    }
  }, 60_000);
});
