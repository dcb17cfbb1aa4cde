/**
 * The audit trail through the real CLI, beyond the ledger's own chain: receipt files a
 * killed build left unwritten (repairable, `--repair`, the next build), the registry's
 * receipts anchors and `receipts head` / `verify --head` against truncation, pinned trust
 * (kfm.trust.json) against a re-signed ledger, and the data/ tree and the registry checked
 * against checksums.json, the state and the receipts.
 */
import Database from 'better-sqlite3';
import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { entryHash, GENESIS_HASH } from '../../store/ledger/ledger.js';
import { serializeEnvelope, signStatement } from '../../store/receipts/dsse.js';
import { keyIdOf } from '../../store/receipts/signingKey.js';
import { schemaValidator } from '../../store/schemaValidator.js';
import { useCliRigs, type CliRig } from '../support/cliRig.js';
import { expectValidReport } from './reportSchemas.js';
import { AUDIT_FILES, ledgerRows, type LedgerRow } from './auditProject.js';

const newRig = useCliRigs();

/** A project; `trust: false`: without kfm.trust.json or a signing key yet (see CliRig). */
function project(options: { trust?: boolean } = {}): CliRig {
  return newRig(AUDIT_FILES, options);
}

/** A project built once: ks (fetch, clean) is ledger seq 1-2, side (s) seq 3. */
async function built(options: { trust?: boolean } = {}): Promise<{ rig: CliRig; ks: string; side: string; stderr: string }> {
  const rig = project(options);
  const { result, report } = await rig.buildJson(['ks', 'side']);
  expect(result.code).toBe(0);
  return { rig, ks: report.versions[0]!.dataset_version_id, side: report.versions[1]!.dataset_version_id, stderr: result.stderr };
}

/** A connection to the ledger as someone with write access to the file: the triggers dropped. */
function attacker(rig: CliRig): Database.Database {
  const db = new Database(rig.path('.kfm/ledger.db'));
  db.exec('DROP TRIGGER entries_no_update; DROP TRIGGER entries_no_delete; DROP TRIGGER entries_extend_chain;');
  return db;
}

function receiptFile(rig: CliRig, row: LedgerRow): string {
  return rig.path(`data/catalog/${row.dataset_slug}/${row.dataset_version_id}/receipts/${row.run_id.slice('kfm://run/'.length)}.json`);
}

const verify = (rig: CliRig, args: string[] = []) => rig.run(['receipts', 'verify', ...args]);

async function verifyJson(rig: CliRig, args: string[] = []): Promise<{ code: number | null; report: { status: string; problems: { seq: number | null; reason: string; problem: string; path?: string }[] } }> {
  const r = await verify(rig, ['--json', ...args]);
  const report = JSON.parse(r.stdout) as Awaited<ReturnType<typeof verifyJson>>['report'];
  expectValidReport('receipts-verify', report as unknown as Record<string, unknown>);
  return { code: r.code, report };
}

function registry(rig: CliRig, slug: string): { versions: Record<string, unknown>[]; latest_version_id: string | null } & Record<string, unknown> {
  return JSON.parse(rig.read(`registry/${slug}.json`)) as ReturnType<typeof registry>;
}

describe('receipt files derivable from the ledger', () => {
  it('a deleted receipt file is repairable (exit 3), and --repair writes it back', async () => {
    const { rig } = await built();
    const [, second, third] = ledgerRows(rig);
    unlinkSync(receiptFile(rig, second!));
    unlinkSync(receiptFile(rig, third!));
    const r = await verify(rig);
    expect(r.code).toBe(3);
    const rel2 = `data/catalog/ks/${second!.dataset_version_id}/receipts/${second!.run_id.slice('kfm://run/'.length)}.json`;
    expect(r.stdout).toContain(
      `seq 2: receipt file ${rel2.slice('data/catalog/'.length)} is missing, but the ledger holds its signed envelope (intact): run kfm receipts verify --repair (${rel2})\n`,
    );
    expect(r.stdout).toMatch(/receipts verify failed: 2 problems in 5 ledger entries\nevery problem is a receipt file the ledger holds: run kfm receipts verify --repair\n$/);
    const json = await verifyJson(rig);
    expect(json.code).toBe(3);
    expect(json.report.status).toBe('repairable');
    expect(json.report.problems.map((p) => [p.seq, p.reason])).toEqual([
      [2, 'receipt-file-repairable'],
      [3, 'receipt-file-repairable'],
    ]);

    const repaired = await verify(rig, ['--repair']);
    expect(repaired.code).toBe(0);
    expect(repaired.stdout).toContain(`repaired ${rel2}: written back from the audit ledger\n`);
    expect(repaired.stdout).toMatch(/^receipts verified: 5 ledger entries; /m);
    expect(readFileSync(receiptFile(rig, second!), 'utf8')).toBe(`${second!.envelope}\n`);
  });

  it('a build killed (SIGKILL) between its ledger appends and its receipt files: verify says repairable; the next build writes them back', async () => {
    const rig = project({ trust: false });
    const killed = await rig.run(['build', '--json', 'ks', 'side'], { env: { KFM_TEST_CRASH_AT: 'receipt-appended:1' } });
    expect(killed.signal).toBe('SIGKILL');
    const rows = ledgerRows(rig);
    expect(rows.map((r) => [r.seq, r.dataset_slug])).toEqual([[1, 'ks']]);
    expect(existsSync(receiptFile(rig, rows[0]!))).toBe(false);
    const before = await verifyJson(rig);
    expect(before.code).toBe(3);
    expect(before.report.problems.map((p) => [p.seq, p.reason])).toEqual([[1, 'receipt-file-repairable']]);

    const { result } = await rig.buildJson(['ks', 'side']);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`kfm: re-materialised 1 receipt file from the audit ledger (an interrupted build left it unwritten): data/catalog/ks/`);
    expect(existsSync(receiptFile(rig, rows[0]!))).toBe(true);
    const after = await verify(rig);
    expect(after.stdout).toMatch(/^receipts verified: 6 ledger entries; /);
    expect(after.code).toBe(0);
    // The retry that first recorded ks's receipts anchored them.
    expect(registry(rig, 'ks').versions[0]!['receipts_anchor']).toEqual({ ledger_id: ledgerRows(rig)[0]!.entry_hash, seq: 3, entry_hash: ledgerRows(rig)[2]!.entry_hash });
  });
});

describe('anchors a truncation cannot rewrite', () => {
  it('the registry anchors each version\'s creating receipts; dropping them with their files is caught', async () => {
    const { rig, side } = await built();
    const rows = ledgerRows(rig);
    // Seq 3 is ks's catalog receipt, seq 5 side's: a version's anchor is its last task receipt.
    expect(registry(rig, 'side').versions[0]!['receipts_anchor']).toEqual({ ledger_id: rows[0]!.entry_hash, seq: 4, entry_hash: rows[3]!.entry_hash });
    const db = attacker(rig);
    db.prepare('DELETE FROM entries WHERE seq >= 4').run();
    db.close();
    for (const row of rows.slice(3)) unlinkSync(receiptFile(rig, row));
    const r = await verify(rig);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      `registry/side.json: version ${side} anchors ledger entry seq 4 (${rows[3]!.entry_hash}), but the ledger ends at seq 3: entries were truncated\n`,
    );
  });

  it('a retry adds receipts without touching the registry; receipts head and verify --head catch their truncation', async () => {
    const { rig } = await built();
    const registryBefore = rig.read('registry/ks.json');
    const retry = await rig.buildJson(['ks']);
    expect(retry.result.code).toBe(0);
    expect(rig.read('registry/ks.json')).toBe(registryBefore);
    const rows = ledgerRows(rig);
    // The first build: 3 task receipts and 2 catalog receipts; the retry: one retry receipt for ks (no node ran; its catalog is cached).
    expect(rows).toHaveLength(6);

    const head = await rig.run(['receipts', 'head']);
    expect(head).toMatchObject({ code: 0, stdout: `seq 6 ${rows[5]!.entry_hash}\n` });
    const headJson = JSON.parse((await rig.run(['receipts', 'head', '--json'])).stdout) as Record<string, unknown>;
    expectValidReport('receipts-head', headJson);
    expect(headJson).toEqual({ kfm_receipts_head_version: 'v1', seq: 6, entry_hash: rows[5]!.entry_hash });
    expect((await verify(rig, ['--head', rows[5]!.entry_hash])).code).toBe(0);

    // Drop the retry's entry and its file: the registry's anchors still hold...
    const db = attacker(rig);
    db.prepare('DELETE FROM entries WHERE seq > 5').run();
    db.close();
    for (const row of rows.slice(5)) unlinkSync(receiptFile(rig, row));
    expect((await verify(rig)).code).toBe(0);
    // ...but the head recorded elsewhere does not.
    const r = await verify(rig, ['--head', rows[5]!.entry_hash]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      `the ledger holds no entry with hash ${rows[5]!.entry_hash} (--head): it was truncated or rewritten since that head was recorded (its head now: seq 5 ${rows[4]!.entry_hash})\n`,
    );
    expect((await verify(rig, ['--head', 'nope'])).code).toBe(2);
  });
});

describe('pinned trust', () => {
  it('the first build creates kfm.trust.json with its key and says so; trust list shows it', async () => {
    const { rig, stderr } = await built({ trust: false });
    const trust = JSON.parse(rig.read('kfm.trust.json')) as { kfm_trust_version: string; keys: { keyid: string; owner: string }[] };
    expect(trust.kfm_trust_version).toBe('v1');
    expect(trust.keys).toHaveLength(1);
    const keyid = trust.keys[0]!.keyid;
    expect(stderr).toContain(`kfm: created kfm.trust.json pinning the signing key ${keyid}: commit it`);
    expect(schemaValidator('trust')(trust)).toEqual([]);
    const again = await rig.buildJson(['ks']);
    expect(again.result.stderr).not.toContain('kfm.trust.json');
    expect((await rig.run(['receipts', 'trust', 'list'])).stdout).toBe(`${keyid}  the signing key of the project's first build (a per-user key)\n`);
  });

  it('a ledger re-signed with a fresh key (its public key in .kfm/keys/) fails, naming the key that signed', async () => {
    const { rig } = await built();
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const fresh = { keyid: keyIdOf(publicKey), privateKey };
    writeFileSync(rig.path(`.kfm/keys/${fresh.keyid.slice('sha256:'.length)}.pub.pem`), publicKey.export({ format: 'pem', type: 'spki' }) as string);
    const db = attacker(rig);
    let prev = GENESIS_HASH as string;
    for (const row of ledgerRows(rig)) {
      const old = JSON.parse(row.envelope) as { payload: string };
      const envelope = serializeEnvelope(signStatement(JSON.parse(Buffer.from(old.payload, 'base64').toString('utf8')), fresh));
      const hash = entryHash({ seq: row.seq, prevHash: prev, kind: row.kind, envelope, createdAt: row.created_at });
      db.prepare('UPDATE entries SET envelope = ?, prev_hash = ?, entry_hash = ? WHERE seq = ?').run(envelope, prev, hash, row.seq);
      prev = hash;
      unlinkSync(receiptFile(rig, row));
      writeFileSync(receiptFile(rig, row), `${envelope}\n`);
    }
    db.close();
    const r = await verify(rig);
    expect(r.code).toBe(1);
    for (const seq of [1, 2, 3]) {
      expect(r.stdout).toContain(`seq ${seq}: envelope signed by an unknown key ${fresh.keyid} (not pinned in kfm.trust.json)\n`);
    }
  });

  it('a key not pinned: the build warns, verify fails until kfm receipts trust add pins it; a readable KFM_SIGNING_KEY is warned about', async () => {
    const { rig } = await built();
    const keyDir = mkdtempSync(join(tmpdir(), 'kfm-e2e-key-'));
    try {
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      const keyPath = join(keyDir, 'ci.pem');
      writeFileSync(keyPath, privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, { mode: 0o644 });
      chmodSync(keyPath, 0o644);
      const keyid = keyIdOf(publicKey);
      const b = await rig.buildJson(['ks'], { env: { KFM_SIGNING_KEY: keyPath } });
      expect(b.result.code).toBe(0);
      expect(b.result.stderr).toContain(`kfm: warning: KFM_SIGNING_KEY names ${keyPath}, which is readable by everyone: chmod 600 it\n`);
      expect(b.result.stderr).toContain(`kfm: warning: the signing key ${keyid} is not pinned in kfm.trust.json`);
      const r = await verify(rig);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain(`seq 6: envelope signed by an unknown key ${keyid} (not pinned in kfm.trust.json)\n`);

      const pub = `.kfm/keys/${keyid.slice('sha256:'.length)}.pub.pem`;
      const add = await rig.run(['receipts', 'trust', 'add', pub, 'CI runner']);
      expect(add).toMatchObject({ code: 0, stdout: `pinned ${keyid} in kfm.trust.json: commit it\n` });
      expect((await verify(rig)).code).toBe(0);
      expect((await rig.run(['receipts', 'trust', 'add', keyPath])).code).toBe(2);
    } finally {
      rmSync(keyDir, { recursive: true, force: true });
    }
  });

  it('the per-user key kfm generated is made 0600 again when it was loosened', async () => {
    const { rig } = await built();
    const key = join(rig.configDir, 'kfm', 'keys', 'ed25519.pem');
    chmodSync(key, 0o640);
    const b = await rig.buildJson(['ks']);
    expect(b.result.stderr).toContain(`kfm: the signing key ${key} was readable by its group: its mode is 0600 again\n`);
    expect(statSync(key).mode & 0o777).toBe(0o600);
  });

  it('a ledger without a trust file does not verify', async () => {
    const { rig } = await built();
    unlinkSync(rig.path('kfm.trust.json'));
    const { code, report } = await verifyJson(rig);
    expect(code).toBe(1);
    expect(report.problems.map((p) => p.reason)).toContain('trust-file-missing');
  });
});

describe('the data tree and the registry', () => {
  it('a replaced processed file and an unlisted one are caught against the receipts and checksums.json', async () => {
    const { rig, ks } = await built();
    const file = `data/processed/ks/${ks}/rows.txt`;
    const before = readFileSync(rig.path(file));
    unlinkSync(rig.path(file));
    writeFileSync(rig.path(file), 'ID\n2');
    writeFileSync(rig.path(`data/processed/ks/${ks}/extra.geojson`), '{}');
    const { code, report } = await verifyJson(rig);
    expect(code).toBe(1);
    expect(report.problems.map((p) => [p.seq, p.reason, p.path])).toEqual([
      [2, 'data-file-mismatch', file],
      [null, 'data-file-mismatch', file],
      [null, 'data-file-unlisted', `data/processed/ks/${ks}/extra.geojson`],
    ]);
    expect(report.problems[0]!.problem).toMatch(new RegExp(`^${file} holds sha256:[0-9a-f]{64}, but the receipt names sha256:[0-9a-f]{64}: the file was replaced$`));
    expect(before.toString()).toBe('ID\n1');
  });

  it('registry edits: a removed version, a rewritten mode, a fake published status and latest_version_id', async () => {
    const { rig, ks } = await built();
    const original = rig.read('registry/ks.json');
    const edit = async (change: (r: ReturnType<typeof registry>) => void): Promise<string[]> => {
      const r = registry(rig, 'ks');
      change(r);
      writeFileSync(rig.path('registry/ks.json'), JSON.stringify(r, null, 2) + '\n');
      const { code, report } = await verifyJson(rig);
      writeFileSync(rig.path('registry/ks.json'), original);
      expect(code).toBe(1);
      return report.problems.filter((p) => p.reason === 'registry-mismatch').map((p) => p.problem);
    };
    expect(await edit((r) => (r.versions = []))).toEqual([
      `registry/ks.json: version ${ks} is not listed, but the ledger holds its receipts (seq 1 on): a version was removed from the registry`,
    ]);
    expect(await edit((r) => (r.versions[0]!['mode'] = 'reprocess'))).toEqual([
      `registry/ks.json: version ${ks} has mode reprocess, but its receipts record new`,
      `registry/ks.json: version ${ks} has mode reprocess, but the state database records new`,
    ]);
    expect(
      await edit((r) => {
        r.versions[0]!['status'] = 'published';
        r.latest_version_id = ks;
      }),
    ).toEqual([
      `registry/ks.json: version ${ks} is published, but the ledger holds no promote receipt for it`,
      `registry/ks.json: latest_version_id is ${ks}, but the ledger holds no promotion of ks`,
    ]);
    expect((await verify(rig)).code).toBe(0);
    // A real promotion verifies.
    expect((await rig.run(['promote', `ks@${ks}`])).code).toBe(0);
    expect((await verify(rig)).code).toBe(0);
  });
});


