import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KfmError } from '../../core/error.js';
import { entryHash, GENESIS_HASH, type LedgerEntry } from '../../store/ledger/ledger.js';
import { SqliteLedger, LEDGER_SCHEMA_VERSION } from '../../store/ledger/sqliteLedger.js';
import { unverifiedPayload } from '../../store/receipts/dsse.js';
import { ReceiptRig, T0 } from './receiptRig.js';

let rig: ReceiptRig;
beforeEach(() => {
  rig = new ReceiptRig();
});
afterEach(() => {
  rig.close();
});

const hex = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

describe('Ledger', () => {
  it('chains appends: entry 1 follows the genesis value, each next entry the one before', () => {
    const e1 = rig.record(1);
    const e2 = rig.record(2);
    const e3 = rig.record(3, { slug: 'ks_places' });
    expect(GENESIS_HASH).toBe(`sha256:${'0'.repeat(64)}`);
    expect([e1.seq, e2.seq, e3.seq]).toEqual([1, 2, 3]);
    expect(e1.prevHash).toBe(GENESIS_HASH);
    expect(e2.prevHash).toBe(e1.entryHash);
    expect(e3.prevHash).toBe(e2.entryHash);
    expect(rig.ledger.entries()).toEqual([e1, e2, e3]);
    expect(rig.ledger.last()).toEqual(e3);
  });

  it('hashes exactly JCS({created_at, envelope_digest, kind, prev_hash, seq})', () => {
    const e = rig.record(1);
    expect(e.createdAt).toBe(new Date(T0).toISOString());
    const text =
      `{"created_at":"2026-03-02T14:15:00.000Z","envelope_digest":"sha256:${hex(e.envelope)}",` +
      `"kind":"run_receipt","prev_hash":"sha256:${'0'.repeat(64)}","seq":1}`;
    expect(e.entryHash).toBe(`sha256:${hex(text)}`);
    expect(entryHash(e)).toBe(e.entryHash);
  });

  it('stores the envelope as canonical JSON and indexes the receipt fields', () => {
    rig.record(1);
    rig.record(2);
    rig.record(3, { slug: 'ks_places' });
    const [a, b, c] = rig.receipts;
    const e = rig.ledger.entries();
    expect(e.map((x) => [x.kind, x.datasetSlug, x.datasetVersionId, x.runId])).toEqual([
      ['run_receipt', 'ks_counties', a!.dataset_version_id, a!.run_id],
      ['run_receipt', 'ks_counties', b!.dataset_version_id, b!.run_id],
      ['run_receipt', 'ks_places', c!.dataset_version_id, c!.run_id],
    ]);
    expect(JSON.parse(unverifiedPayload(JSON.parse(e[0]!.envelope)).toString()).predicate).toEqual(a);
    expect(rig.ledger.entriesFor('ks_counties').map((x) => x.seq)).toEqual([1, 2]);
    expect(rig.ledger.entriesFor('ks_counties', a!.dataset_version_id).map((x) => x.seq)).toEqual([1, 2]);
    expect(rig.ledger.entriesFor('ks_counties', '1999.00000000')).toEqual([]);
    expect(rig.ledger.entriesFor('ks_places').map((x) => x.seq)).toEqual([3]);
  });

  it('persists across reopening, and opens read-only without writing', () => {
    rig.record(1);
    rig.record(2);
    const before = rig.ledger.entries();
    rig.ledger.close();
    const ro = rig.track(new SqliteLedger(rig.ledgerPath, { readonly: true }));
    expect(ro.entries()).toEqual(before);
    expect(() => ro.append({ kind: 'run_receipt', envelope: JSON.parse(before[0]!.envelope) })).toThrow(/readonly/);
    const again = rig.track(new SqliteLedger(rig.ledgerPath));
    expect(again.append({ kind: 'run_receipt', envelope: JSON.parse(before[0]!.envelope) }).prevHash).toBe(before[1]!.entryHash);
  });

  it('offers only append and reads: no update or delete path', () => {
    expect(Object.getOwnPropertyNames(SqliteLedger.prototype).sort()).toEqual(['append', 'close', 'constructor', 'entries', 'entriesFor', 'head', 'last', 'ledgerId', 'schemaVersion']);
  });

  it('refuses to append what is not a DSSE envelope', () => {
    expect(() => rig.ledger.append({ kind: 'run_receipt', envelope: { payloadType: 'x', payload: 'e30=', signatures: [] } })).toThrow(
      new KfmError('store', 'cannot append to the audit ledger: not a DSSE envelope: signatures is not a non-empty list'),
    );
    expect(rig.ledger.entries()).toEqual([]);
  });
});

describe('ledger triggers', () => {
  let db: Database.Database;
  let rows: LedgerEntry[];
  beforeEach(() => {
    rig.record(1);
    rig.record(2);
    rows = rig.ledger.entries();
    db = rig.track(new Database(rig.ledgerPath));
  });

  it('abort UPDATE and DELETE of entries', () => {
    expect(() => db.prepare("UPDATE entries SET dataset_slug = 'x' WHERE seq = 1").run()).toThrow(
      'the audit ledger is append-only: entries cannot be updated',
    );
    expect(() => db.prepare('DELETE FROM entries WHERE seq = 2').run()).toThrow('the audit ledger is append-only: entries cannot be deleted');
    expect(() => db.prepare('DELETE FROM entries').run()).toThrow('the audit ledger is append-only: entries cannot be deleted');
    expect(rig.ledger.entries()).toEqual(rows);
  });

  it('abort an INSERT that does not extend the chain', () => {
    const insert = db.prepare(
      'INSERT INTO entries (seq, prev_hash, entry_hash, kind, envelope, created_at) VALUES (?, ?, ?, ?, ?, ?)',
    );
    const msg = 'the audit ledger is append-only: a new entry must follow the last one';
    expect(() => insert.run(5, rows[1]!.entryHash, 'h', 'run_receipt', '{}', 'now')).toThrow(msg);
    expect(() => insert.run(3, GENESIS_HASH, 'h', 'run_receipt', '{}', 'now')).toThrow(msg);
    expect(() => insert.run(null, rows[1]!.entryHash, 'h', 'run_receipt', '{}', 'now')).toThrow(msg);
    expect(() => db.prepare("INSERT OR REPLACE INTO entries (seq, prev_hash, entry_hash, kind, envelope, created_at) VALUES (1, ?, 'h', 'k', '{}', 'now')").run(GENESIS_HASH)).toThrow(msg);
    expect(rig.ledger.entries()).toEqual(rows);
  });
});

describe('ledger schema version', () => {
  it('is recorded in user_version', () => {
    expect(rig.ledger.schemaVersion).toBe(LEDGER_SCHEMA_VERSION);
    const db = rig.track(new Database(rig.ledgerPath));
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
  });

  it('a newer ledger is a clear error', () => {
    rig.ledger.close();
    const db = new Database(rig.ledgerPath);
    db.pragma('user_version = 7');
    db.close();
    expect(() => new SqliteLedger(rig.ledgerPath)).toThrow(
      new KfmError('state', `the audit ledger ${rig.ledgerPath} has schema version 7, newer than this kfm supports (1); upgrade kfm`),
    );
  });

  it('read-only needs an existing, current ledger', () => {
    const missing = `${rig.dir}/none.db`;
    expect(() => new SqliteLedger(missing, { readonly: true })).toThrow(/^cannot open the audit ledger .*none\.db: /);
    const empty = `${rig.dir}/empty.db`;
    new Database(empty).close();
    expect(() => new SqliteLedger(empty, { readonly: true })).toThrow(
      `the audit ledger ${empty} has schema version 0, older than this kfm writes (1); open it for writing once to migrate it`,
    );
  });
});
