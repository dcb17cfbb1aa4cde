import { generateKeyPairSync, sign } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../core/canonicalJson.js';
import { sha256 } from '../../core/digest.js';
import { entryHash, GENESIS_HASH, LEDGER_KIND_RUN_RECEIPT, type LedgerEntry } from '../../store/ledger/ledger.js';
import { SqliteLedger } from '../../store/ledger/sqliteLedger.js';
import { verifyLedger, type LedgerProblem } from '../../store/ledger/verifyLedger.js';
import { IN_TOTO_PAYLOAD_TYPE, paeEncode, serializeEnvelope, signStatement, type DsseEnvelope } from '../../store/receipts/dsse.js';
import { receiptStatement } from '../../store/receipts/inTotoStatement.js';
import { keyIdOf, type SigningKey } from '../../store/receipts/signingKey.js';
import { ReceiptRig } from './receiptRig.js';

let rig: ReceiptRig;
let rows: LedgerEntry[];

beforeEach(() => {
  rig = new ReceiptRig();
  rig.record(1);
  rig.record(2);
  rig.record(3);
  rig.record(4, { slug: 'ks_places' });
  rows = rig.ledger.entries();
});
afterEach(() => {
  rig.close();
});

const verify = (options: { requireReceiptFiles?: boolean; catalog?: boolean } = {}) =>
  verifyLedger({
    ledger: rig.ledger,
    store: rig.store,
    trustedKeys: rig.trusted,
    ...(options.catalog === false ? {} : { catalogDir: rig.catalogDir }),
    ...(options.requireReceiptFiles ? { requireReceiptFiles: true } : {}),
  });

/** `[seq, reason, problem]` (and the path, for file problems), for compact assertions. */
const brief = (ps: LedgerProblem[]) => ps.map((p) => (p.path ? [p.seq, p.reason, p.path, p.problem] : [p.seq, p.reason, p.problem]));

const envelopeOf = (row: LedgerEntry) => JSON.parse(row.envelope) as DsseEnvelope;
const receipt = (n: number) => rig.receipts[n - 1]!;

function otherKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    keyid: keyIdOf(publicKey),
    privateKey,
    publicKey,
    publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }) as string,
    path: '(memory)',
    source: 'path',
    created: false,
  };
}

it('a clean ledger verifies with zero problems', async () => {
  expect((await verify())).toEqual([]);
  expect((await verify({ requireReceiptFiles: true }))).toEqual([]);
  expect((await verify({ catalog: false }))).toEqual([]);
  // Read-only, as `kfm receipts verify` would open it.
  rig.ledger.close();
  const ro = rig.track(new SqliteLedger(rig.ledgerPath, { readonly: true }));
  expect(await verifyLedger({ ledger: ro, store: rig.store, trustedKeys: rig.trusted, catalogDir: rig.catalogDir })).toEqual([]);
});

it('an empty ledger verifies', async () => {
  const empty = rig.track(new SqliteLedger(`${rig.dir}/empty.db`));
  expect(await verifyLedger({ ledger: empty, store: rig.store, trustedKeys: rig.trusted })).toEqual([]);
});

describe('store tampering', () => {
  it('flipped bytes in a store object: the digest it names does not match', async () => {
    const output = receipt(2).outputs[0]!;
    const path = rig.store.pathOf(output.digest);
    chmodSync(path, 0o644);
    const bytes = readFileSync(path);
    bytes[0] = bytes[0]! ^ 0xff;
    writeFileSync(path, bytes);
    expect(brief((await verify()))).toEqual([
      [2, 'store-corrupt', `/outputs/0/digest ${output.digest} (${output.path}): the stored bytes do not match the digest (corrupt)`],
    ]);
  });

  it('a store object removed: missing', async () => {
    const input = receipt(1).inputs[0]!;
    const report = receipt(3).validation.report_digest!;
    rmSync(rig.store.pathOf(input.digest), { force: true });
    rmSync(rig.store.pathOf(report), { force: true });
    expect(brief((await verify()))).toEqual([
      [1, 'store-missing', `/inputs/0/digest ${input.digest} (${input.uri}) is missing from the content store`],
      [3, 'store-missing', `/validation/report_digest ${report} is missing from the content store`],
    ]);
  });
});

describe('ledger tampering (triggers dropped, as an attacker with file access)', () => {
  it('flipped bytes in a row envelope: entry hash mismatch and a bad signature', async () => {
    const env = envelopeOf(rows[1]!);
    const payload = Buffer.from(env.payload, 'base64').toString().replace('first version of slice 2017', 'first version of slice 2018');
    const tampered = serializeEnvelope({ ...env, payload: Buffer.from(payload).toString('base64') });
    rig.attacker().prepare('UPDATE entries SET envelope = ? WHERE seq = 2').run(tampered);
    const recomputed = entryHash({ ...rows[1]!, envelope: tampered });
    expect(brief((await verify()))).toEqual([
      [2, 'entry-hash-mismatch', `entry hash mismatch: the row stores ${rows[1]!.entryHash} but its fields hash to ${recomputed}: the row was altered after it was written`],
      [2, 'bad-signature', `envelope signature invalid for key ${rig.key.keyid}`],
      [2, 'receipt-file-differs', rig.receiptFileRel(receipt(2)), "receipt file differs from the ledger's envelope at seq 2"],
    ]);
  });

  it('garbage in a row envelope: not JSON', async () => {
    const text = rows[0]!.envelope.slice(0, 40);
    rig.attacker().prepare('UPDATE entries SET envelope = ? WHERE seq = 1').run(text);
    const problems = (await verify());
    expect(problems.map((p) => [p.seq, p.reason])).toEqual([
      [1, 'entry-hash-mismatch'],
      [1, 'unreadable'],
      [null, 'receipt-file-unledgered'],
    ]);
    expect(problems[1]!.problem).toMatch(/^envelope is not valid JSON: /);
    expect(problems[2]!.problem).toBe(`receipt file names run ${receipt(1).run_id}, which the ledger does not record`);
  });

  it("edited dataset fields of a row: they differ from the signed receipt", async () => {
    rig.attacker().prepare("UPDATE entries SET dataset_slug = 'ks_places', dataset_version_id = '2017.deadbeef' WHERE seq = 3").run();
    expect(brief((await verify()))).toEqual([
      [3, 'row-mismatch', 'ledger column dataset_slug is "ks_places", but the signed receipt says "ks_counties"'],
      [3, 'row-mismatch', `ledger column dataset_version_id is "2017.deadbeef", but the signed receipt says "${receipt(3).dataset_version_id}"`],
    ]);
  });

  it('a deleted row: a sequence gap (and its receipt file is not in the ledger)', async () => {
    rig.attacker().prepare('DELETE FROM entries WHERE seq = 2').run();
    expect(brief((await verify()))).toEqual([
      [2, 'sequence-gap', 'sequence gap: entry 2 is missing (a deleted row)'],
      [null, 'receipt-file-unledgered', rig.receiptFileRel(receipt(2)), `receipt file names run ${receipt(2).run_id}, which the ledger does not record`],
    ]);
  });

  it('several deleted rows: one gap', async () => {
    rig.attacker().prepare('DELETE FROM entries WHERE seq IN (1, 2)').run();
    expect(brief((await verify({ catalog: false })))).toEqual([[1, 'sequence-gap', 'sequence gap: entries 1 to 2 are missing (deleted rows)']]);
  });

  it('the newest row deleted: the chain alone cannot tell, the receipt file does', async () => {
    rig.attacker().prepare('DELETE FROM entries WHERE seq = 4').run();
    expect((await verify({ catalog: false }))).toEqual([]);
    expect(brief((await verify()))).toEqual([
      [null, 'receipt-file-unledgered', rig.receiptFileRel(receipt(4)), `receipt file names run ${receipt(4).run_id}, which the ledger does not record`],
    ]);
  });

  it('reordered rows (seq swapped): sequence out of order', async () => {
    const db = rig.attacker();
    db.prepare('UPDATE entries SET seq = -1 WHERE seq = 2').run();
    db.prepare('UPDATE entries SET seq = 2 WHERE seq = 3').run();
    db.prepare('UPDATE entries SET seq = 3 WHERE seq = -1').run();
    expect(brief((await verify()))).toEqual([
      [2, 'sequence-out-of-order', 'sequence out of order: the entry at seq 2 was written as seq 3 (rows were renumbered)'],
      [3, 'sequence-out-of-order', 'sequence out of order: the entry at seq 3 was written as seq 2 (rows were renumbered)'],
    ]);
  });

  it('a row replaced by a fresh one with recomputed hashes: the chain breaks after it', async () => {
    // The attacker rewrites entry 2 consistently (new envelope, hash over seq 2 and the right
    // prev_hash) but cannot fix entry 3, which commits to the old entry 2.
    const forged = serializeEnvelope(signStatement(receiptStatement({ ...receipt(2), mode_reason: 'forged' }), otherKey()));
    const newHash = entryHash({ ...rows[1]!, envelope: forged });
    rig.attacker().prepare('UPDATE entries SET envelope = ?, entry_hash = ? WHERE seq = 2').run(forged, newHash);
    const problems = brief((await verify()));
    expect(problems).toEqual([
      [2, 'unknown-key', expect.stringMatching(/^envelope signed by an unknown key sha256:[0-9a-f]{64} \(not among the trusted keys\)$/)],
      [2, 'receipt-file-differs', rig.receiptFileRel(receipt(2)), "receipt file differs from the ledger's envelope at seq 2"],
      [3, 'chain-broken', `chain broken: prev_hash is ${rows[1]!.entryHash}, expected ${newHash} (the entry hash of seq 2)`],
    ]);
  });

  it('the first row with another prev_hash: the genesis value is expected', async () => {
    const prev = sha256('before time');
    const newHash = entryHash({ ...rows[0]!, prevHash: prev });
    rig.attacker().prepare('UPDATE entries SET prev_hash = ?, entry_hash = ? WHERE seq = 1').run(prev, newHash);
    expect(brief((await verify()))).toEqual([
      [1, 'chain-broken', `chain broken: prev_hash is ${prev}, expected ${GENESIS_HASH} (the genesis value)`],
      [2, 'chain-broken', `chain broken: prev_hash is ${rows[0]!.entryHash}, expected ${newHash} (the entry hash of seq 1)`],
    ]);
  });

  it('signatures swapped between two entries, with the chain rehashed: both signatures invalid', async () => {
    const [e2, e3] = [envelopeOf(rows[1]!), envelopeOf(rows[2]!)];
    const swapped2 = serializeEnvelope({ ...e2, signatures: e3.signatures });
    const swapped3 = serializeEnvelope({ ...e3, signatures: e2.signatures });
    // Rehash entries 2..4 so the chain itself is consistent: only the signatures can tell.
    const db = rig.attacker();
    let prev = rows[0]!.entryHash;
    for (const [row, envelope] of [[rows[1]!, swapped2], [rows[2]!, swapped3], [rows[3]!, rows[3]!.envelope]] as const) {
      const hash = entryHash({ ...row, prevHash: prev, envelope });
      db.prepare('UPDATE entries SET envelope = ?, prev_hash = ?, entry_hash = ? WHERE seq = ?').run(envelope, prev, hash, row.seq);
      prev = hash;
    }
    expect(brief((await verify({ catalog: false })))).toEqual([
      [2, 'bad-signature', `envelope signature invalid for key ${rig.key.keyid}`],
      [3, 'bad-signature', `envelope signature invalid for key ${rig.key.keyid}`],
    ]);
  });
});

describe('envelope and receipt problems', () => {
  it('signed with an untrusted key: unknown key', async () => {
    const stranger = otherKey();
    rig.record(5, { key: stranger });
    expect(brief((await verify()))).toEqual([
      [5, 'unknown-key', `envelope signed by an unknown key ${stranger.keyid} (not among the trusted keys)`],
      [5, 'receipt-file-invalid', rig.receiptFileRel(receipt(5)), `receipt file fails verification: envelope signed by an unknown key ${stranger.keyid} (not among the trusted keys)`],
    ]);
  });

  it('a signed receipt that fails the schema: the schema problems are listed', async () => {
    rig.record(5, {
      edit: (r) => {
        r.outputs[0]!.media_type = 'geojson';
        (r as { mode: string }).mode = 'redo';
      },
    });
    const expected = `receipt fails the schema: /mode must be equal to one of the allowed values ("new", "retry", "reprocess", "backfill", "rebuild", "rollback"); /outputs/0/media_type must match pattern "${'^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*( *;.*)?$'}"`;
    expect(brief((await verify()))).toEqual([
      [5, 'receipt-schema', expected],
      [5, 'receipt-file-invalid', rig.receiptFileRel(receipt(5)), `receipt file fails verification: ${expected}`],
    ]);
  });

  it('a signed payload that is not an in-toto statement', async () => {
    const body = Buffer.from(canonicalJson({ hello: 'world' }));
    const sig = (type: string) => ({ keyid: rig.key.keyid, sig: signBytes(type, body) });
    rig.ledger.append({
      kind: LEDGER_KIND_RUN_RECEIPT,
      envelope: { payloadType: IN_TOTO_PAYLOAD_TYPE, payload: body.toString('base64'), signatures: [sig(IN_TOTO_PAYLOAD_TYPE)] },
    });
    rig.ledger.append({
      kind: LEDGER_KIND_RUN_RECEIPT,
      envelope: { payloadType: 'application/json', payload: body.toString('base64'), signatures: [sig('application/json')] },
    });
    expect(brief((await verify()))).toEqual([
      [5, 'not-a-statement', 'payload is not an in-toto Statement v1: _type is undefined, expected "https://in-toto.io/Statement/v1"'],
      [6, 'payload-type', 'envelope payload type is "application/json", expected "application/vnd.in-toto+json"'],
      [6, 'not-a-statement', 'payload is not an in-toto Statement v1: _type is undefined, expected "https://in-toto.io/Statement/v1"'],
    ]);
  });

  it('a statement whose subjects are not the outputs, or of another predicate type', async () => {
    const statement = receiptStatement(receipt(1));
    rig.ledger.append({ kind: LEDGER_KIND_RUN_RECEIPT, envelope: signStatement({ ...statement, subject: [] }, rig.key) });
    rig.ledger.append({ kind: LEDGER_KIND_RUN_RECEIPT, envelope: signStatement({ ...statement, predicateType: 'https://slsa.dev/provenance/v1' }, rig.key) });
    expect(brief((await verify({ catalog: false })))).toEqual([
      [5, 'subject-mismatch', "statement subjects are not the receipt's outputs"],
      [5, 'duplicate-run-id', `run_id ${receipt(1).run_id} was already recorded at seq 1 (a replayed receipt)`],
      [6, 'predicate-type', 'statement predicateType is "https://slsa.dev/provenance/v1", expected "https://kfm.dev/run-receipt/v1"'],
      [6, 'duplicate-run-id', `run_id ${receipt(1).run_id} was already recorded at seq 1 (a replayed receipt)`],
    ]);
  });

  it('a replayed receipt: the same run twice', async () => {
    rig.ledger.append({ kind: LEDGER_KIND_RUN_RECEIPT, envelope: envelopeOf(rows[0]!) });
    expect(brief((await verify()))).toEqual([[5, 'duplicate-run-id', `run_id ${receipt(1).run_id} was already recorded at seq 1 (a replayed receipt)`]]);
  });

  it('an entry of an unknown kind', async () => {
    rig.ledger.append({ kind: 'mystery', envelope: envelopeOf(rows[0]!) });
    expect(brief((await verify()))).toEqual([[5, 'unknown-kind', 'unknown entry kind "mystery"']]);
  });
});

describe('receipt files', () => {
  it('a tampered receipt file: it differs from the ledger and fails verification', async () => {
    const path = rig.receiptFilePath(receipt(3));
    const env = JSON.parse(readFileSync(path, 'utf8')) as DsseEnvelope;
    const payload = Buffer.from(env.payload, 'base64').toString().replace('"policy_label":"public"', '"policy_label":"internal"');
    writeFileSync(path, serializeEnvelope({ ...env, payload: Buffer.from(payload).toString('base64') }));
    const rel = rig.receiptFileRel(receipt(3));
    expect(brief((await verify()))).toEqual([
      [3, 'receipt-file-invalid', rel, `receipt file fails verification: envelope signature invalid for key ${rig.key.keyid}`],
      [3, 'receipt-file-differs', rel, "receipt file differs from the ledger's envelope at seq 3"],
    ]);
  });

  it('reformatted but equal JSON is the same receipt', async () => {
    const path = rig.receiptFilePath(receipt(1));
    writeFileSync(path, JSON.stringify(JSON.parse(readFileSync(path, 'utf8')), null, 2));
    expect((await verify())).toEqual([]);
  });

  it('a receipt file that is not JSON, or badly named', async () => {
    const path = rig.receiptFilePath(receipt(1));
    writeFileSync(path, '{"payload": ');
    writeFileSync(path.replace(/[^/]+$/, 'notes.json'), '{}');
    const rel = rig.receiptFileRel(receipt(1));
    const problems = brief((await verify()));
    expect(problems).toEqual([
      [1, 'receipt-file-invalid', rel, expect.stringMatching(/^receipt file fails verification: envelope is not valid JSON: /)],
      [1, 'receipt-file-differs', rel, "receipt file differs from the ledger's envelope at seq 1"],
      [null, 'receipt-file-invalid', rel.replace(/[^/]+$/, 'notes.json'), 'receipt file name is not <run id>.json'],
    ]);
  });

  it('a receipt file copied under another version', async () => {
    const r1 = receipt(1);
    const elsewhere = rig.receiptFilePath(r1).replace(`/${r1.dataset_version_id}/`, '/2018.00000000/');
    mkdirSync(dirname(elsewhere), { recursive: true });
    writeFileSync(elsewhere, readFileSync(rig.receiptFilePath(r1)));
    const rel = rig.receiptFileRel(r1).replace(`/${r1.dataset_version_id}/`, '/2018.00000000/');
    expect(brief((await verify()))).toEqual([
      [
        1,
        'receipt-file-misplaced',
        rel,
        `receipt file is under ks_counties/2018.00000000 as ${r1.run_id}, but its receipt is ${r1.run_id} for ks_counties@${r1.dataset_version_id}`,
      ],
    ]);
  });

  it('a receipt file missing: reported where the version has a receipts directory, or always when required; repairable while its entry is intact', async () => {
    rmSync(rig.receiptFilePath(receipt(2)));
    const rel2 = rig.receiptFileRel(receipt(2));
    const repairable = (rel: string) => `receipt file ${rel} is missing, but the ledger holds its signed envelope (intact): run kfm receipts verify --repair`;
    expect(brief(await verify())).toEqual([[2, 'receipt-file-repairable', rel2, repairable(rel2)]]);

    rmSync(rig.receiptFilePath(receipt(4)).replace(/\/receipts\/[^/]+$/, ''), { recursive: true });
    const rel4 = rig.receiptFileRel(receipt(4));
    expect(brief(await verify()).map((p) => p[2])).toEqual([rel2]);
    expect(brief(await verify({ requireReceiptFiles: true }))).toEqual([
      [2, 'receipt-file-repairable', rel2, repairable(rel2)],
      [4, 'receipt-file-repairable', rel4, repairable(rel4)],
    ]);
  });

  it('a receipt file missing behind a broken chain is not repairable: the ledger entry cannot be trusted to give it back', async () => {
    rmSync(rig.receiptFilePath(receipt(3)));
    const rel3 = rig.receiptFileRel(receipt(3));
    const db = rig.attacker();
    db.prepare("UPDATE entries SET created_at = '2030-01-01T00:00:00.000Z' WHERE seq = 2").run();
    const problems = brief(await verify());
    expect(problems).toContainEqual([3, 'receipt-file-missing', rel3, `receipt file ${rel3} is missing`]);
    expect(problems.map((p) => p[1])).not.toContain('receipt-file-repairable');
  });
});

function signBytes(payloadType: string, body: Buffer): string {
  return sign(null, paeEncode(payloadType, body), rig.key.privateKey).toString('base64');
}
