/**
 * `kfm receipts verify` through the real CLI: clean after a build, and each tampering an
 * attacker with write access to the project could try (store bytes, a ledger row, a receipt
 * file, a deleted row, reordered rows, a swapped signature) detected with exit 1 and the
 * entry it concerns. The attacker's ledger connection drops the append-only triggers.
 */
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { chmodSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../core/canonicalJson.js';
import { entryHash, GENESIS_HASH } from '../../store/ledger/ledger.js';
import { useCliRigs, type CliRig } from '../support/cliRig.js';
import { expectValidReport } from './reportSchemas.js';
import { AUDIT_FILES, type LedgerRow } from './auditProject.js';

const newRig = useCliRigs();


/** A project built once: ks (fetch, clean) is ledger seq 1-2 and its catalog receipt seq 3, side (s) seq 4 and its catalog receipt seq 5. */
async function built(): Promise<{ rig: CliRig; dvid: string }> {
  const rig = newRig(AUDIT_FILES);
  const { result, report } = await rig.buildJson(['ks', 'side']);
  expect(result.code).toBe(0);
  return { rig, dvid: report.versions[0]!.dataset_version_id };
}

/** A second connection to the ledger, as someone with write access to the file: the triggers dropped. */
function attacker(rig: CliRig): Database.Database {
  const db = new Database(rig.path('.kfm/ledger.db'));
  db.exec('DROP TRIGGER entries_no_update; DROP TRIGGER entries_no_delete; DROP TRIGGER entries_extend_chain;');
  return db;
}

function rows(db: Database.Database): LedgerRow[] {
  return db.prepare('SELECT * FROM entries ORDER BY seq').all() as LedgerRow[];
}

/** Recomputes every entry hash and link, as an attacker covering their tracks would. */
function rechain(db: Database.Database): void {
  let prev = GENESIS_HASH;
  for (const r of rows(db)) {
    const hash = entryHash({ seq: r.seq, prevHash: prev, kind: r.kind, envelope: r.envelope, createdAt: r.created_at });
    db.prepare('UPDATE entries SET prev_hash = ?, entry_hash = ? WHERE seq = ?').run(prev, hash, r.seq);
    prev = hash;
  }
}

function envelopeOf(row: LedgerRow): { payloadType: string; payload: string; signatures: { keyid: string; sig: string }[] } {
  return JSON.parse(row.envelope) as ReturnType<typeof envelopeOf>;
}

async function verify(rig: CliRig, args: string[] = []) {
  return rig.run(['receipts', 'verify', ...args]);
}

describe('kfm receipts verify', () => {
  it('passes on a fresh build, with a one-line summary and a JSON report', async () => {
    const { rig } = await built();
    const r = await verify(rig);
    const reader = new Database(rig.path('.kfm/ledger.db'), { readonly: true });
    const head = rows(reader)[4]!.entry_hash;
    reader.close();
    expect(r).toEqual({
      code: 0,
      signal: null,
      stdout: `receipts verified: 5 ledger entries; chain, signatures (pinned keys), receipt schemas, store digests, receipt files, data tree and registry intact; head ${head}\n`,
      stderr: '',
    });
    const json = await verify(rig, ['--json']);
    const report = JSON.parse(json.stdout) as Record<string, unknown>;
    expectValidReport('receipts-verify', report);
    expect(report).toEqual({ kfm_receipts_verify_version: 'v1', status: 'verified', target: null, entries: 5, checked: 5, head, problems: [], notices: [] });
    expect((await verify(rig, ['side'])).stdout).toMatch(/^receipts verified: 2 of 5 ledger entries \(side\); /);
  });

  it('catches bytes flipped in a store object', async () => {
    const { rig, dvid } = await built();
    const digest = `sha256:${createHash('sha256').update(readFileSync(rig.path(`data/processed/ks/${dvid}/rows.txt`))).digest('hex')}`;
    // data/ holds copies by default: the store object itself is changed.
    const hex = digest.slice('sha256:'.length);
    const path = rig.path('.kfm/store/objects', hex.slice(0, 2), hex.slice(2));
    chmodSync(path, 0o644);
    writeFileSync(path, 'ID\n2');
    const r = await verify(rig);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`seq 2: /outputs/0/digest ${digest} (processed/ks/${dvid}/rows.txt): the stored bytes do not match the digest (corrupt)\n`);
    // ks's catalog receipt (seq 3) read the same artifact: it names the corrupt object too.
    expect(r.stdout).toContain(`seq 3: /inputs/0/digest ${digest} (data/processed/ks/${dvid}/rows.txt): the stored bytes do not match the digest (corrupt)\n`);
    expect(r.stdout).toMatch(/\nreceipts verify failed: 2 problems in 5 ledger entries\n$/);
    // Another dataset's receipts still verify on their own.
    expect((await verify(rig, ['side'])).code).toBe(0);
    expect((await verify(rig, [`ks@${dvid}`])).code).toBe(1);
  });

  it('catches bytes flipped in a ledger row', async () => {
    const { rig } = await built();
    const db = attacker(rig);
    const row = rows(db)[1]!;
    const env = envelopeOf(row);
    const payload = Buffer.from(env.payload, 'base64').toString('utf8').replace('"mode":"new"', '"mode":"retry"');
    db.prepare('UPDATE entries SET envelope = ? WHERE seq = 2').run(JSON.stringify({ ...env, payload: Buffer.from(payload).toString('base64') }));
    db.close();
    const r = await verify(rig);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^seq 2: entry hash mismatch: the row stores sha256:[0-9a-f]{64} but its fields hash to sha256:[0-9a-f]{64}: the row was altered after it was written\n/);
    expect(r.stdout).toMatch(/^seq 2: envelope signature invalid for key sha256:[0-9a-f]{64}$/m);
  });

  it('catches an altered receipt even when the attacker recomputes the hash chain: the signature', async () => {
    const { rig } = await built();
    const db = attacker(rig);
    const row = rows(db)[0]!;
    const env = envelopeOf(row);
    const payload = Buffer.from(env.payload, 'base64').toString('utf8').replace('"principal":"', '"principal":"mallory-');
    db.prepare('UPDATE entries SET envelope = ? WHERE seq = 1').run(JSON.stringify({ ...env, payload: Buffer.from(payload).toString('base64') }));
    rechain(db);
    db.close();
    const r = await verify(rig);
    expect(r.code).toBe(1);
    expect(r.stdout).not.toContain('entry hash mismatch');
    expect(r.stdout).toMatch(/^seq 1: envelope signature invalid for key sha256:[0-9a-f]{64}$/m);
    expect(r.stdout).toMatch(/^seq 1: receipt file differs from the ledger's envelope at seq 1 \(data\/catalog\/ks\/.*\.json\)$/m);
  });

  it('catches bytes flipped in a receipt file', async () => {
    const { rig, dvid } = await built();
    const dir = rig.path(`data/catalog/ks/${dvid}/receipts`);
    const name = readdirSync(dir).sort()[0]!;
    const text = readFileSync(`${dir}/${name}`, 'utf8');
    const env = JSON.parse(text) as { signatures: { sig: string }[] };
    const sig = env.signatures[0]!.sig;
    env.signatures[0]!.sig = (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1);
    unlinkSync(`${dir}/${name}`);
    writeFileSync(`${dir}/${name}`, JSON.stringify(env));
    const r = await verify(rig);
    expect(r.code).toBe(1);
    const file = `data/catalog/ks/${dvid}/receipts/${name}`;
    expect(r.stdout).toMatch(new RegExp(`^seq \\d: receipt file fails verification: envelope signature invalid for key sha256:[0-9a-f]{64} \\(${file.replace(/\./g, '\\.')}\\)$`, 'm'));
    expect(r.stdout).toMatch(new RegExp(`^seq \\d: receipt file differs from the ledger's envelope at seq \\d \\(${file.replace(/\./g, '\\.')}\\)$`, 'm'));
  });

  it('catches a deleted row', async () => {
    const { rig } = await built();
    const db = attacker(rig);
    db.prepare('DELETE FROM entries WHERE seq = 2').run();
    db.close();
    const r = await verify(rig);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^seq 2: sequence gap: entry 2 is missing \(a deleted row\)$/m);
    // Its receipt file now names a run the ledger does not record.
    expect(r.stdout).toMatch(/^data\/catalog\/ks\/.*\.json: receipt file names run kfm:\/\/run\/\S+, which the ledger does not record$/m);
  });

  it('catches reordered rows', async () => {
    const { rig } = await built();
    const db = attacker(rig);
    db.exec('UPDATE entries SET seq = -1 WHERE seq = 1; UPDATE entries SET seq = 1 WHERE seq = 2; UPDATE entries SET seq = 2 WHERE seq = -1;');
    db.close();
    const r = await verify(rig);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^seq 1: sequence out of order: the entry at seq 1 was written as seq 2 \(rows were renumbered\)$/m);
    expect(r.stdout).toMatch(/^seq 2: sequence out of order: the entry at seq 2 was written as seq 1 \(rows were renumbered\)$/m);
  });

  it('catches a swapped signature', async () => {
    const { rig } = await built();
    const db = attacker(rig);
    const [first, second] = rows(db);
    const a = envelopeOf(first!);
    const b = envelopeOf(second!);
    // Entry 2 carries entry 1's signature; the chain is recomputed so only the signature tells.
    db.prepare('UPDATE entries SET envelope = ? WHERE seq = 2').run(canonicalJson({ ...b, signatures: a.signatures }));
    rechain(db);
    db.close();
    const r = await verify(rig);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^seq 2: envelope signature invalid for key sha256:[0-9a-f]{64}$/m);
    const json = JSON.parse((await verify(rig, ['--json'])).stdout) as { status: string; problems: { seq: number | null; reason: string }[] };
    expectValidReport('receipts-verify', json);
    expect(json.status).toBe('failed');
    // The rechained entry 2 no longer has the hash registry/ks.json anchors (its last receipt).
    expect(json.problems.filter((p) => p.seq === 2).map((p) => p.reason)).toEqual(['bad-signature', 'receipt-file-differs', 'anchor-missing']);
  });
});
