import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KfmError } from '../../core/error.js';
import { entryHash, GENESIS_HASH, type LedgerEntry } from '../../store/ledger/ledger.js';
import { MemoryLocalCaches } from '../../store/memory/memoryLocalCaches.js';
import { KFM_LOCK_CLASS, LOCK_PROJECT } from '../../store/postgres/pgDatabase.js';
import { PgLedger } from '../../store/postgres/pgLedger.js';
import { PG_SCHEMA_VERSION } from '../../store/postgres/pgMigrations.js';
import { PgProjectLock } from '../../store/postgres/pgProjectLock.js';
import { PgState } from '../../store/postgres/pgState.js';
import { signStatement } from '../../store/receipts/dsse.js';
import { IN_TOTO_STATEMENT_TYPE } from '../../store/receipts/inTotoStatement.js';
import { postgresUnavailable, startPostgres, type PostgresCluster } from '../support/postgres.js';

const run = promisify(execFile);
const skipped = postgresUnavailable();
const { privateKey } = generateKeyPairSync('ed25519');
const key = { keyid: `sha256:${'1'.repeat(64)}`, privateKey };
const envelope = (n: number) =>
  signStatement({ _type: IN_TOTO_STATEMENT_TYPE, subject: [{ name: 'x', digest: { sha256: 'a'.repeat(64) } }], predicateType: 'https://kfm.dev/test/v1', predicate: { n } }, key);

/** The chain is one line: seqs 1..n, each entry's prev_hash its predecessor's hash, each hash as the format says. */
function expectOneChain(entries: LedgerEntry[], n: number): void {
  expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  let prev: string = GENESIS_HASH;
  for (const e of entries) {
    expect(e.prevHash).toBe(prev);
    expect(e.entryHash).toBe(entryHash(e));
    prev = e.entryHash;
  }
}

const local = () => Object.assign(new MemoryLocalCaches(), { close: () => undefined });

describe.skipIf(skipped !== undefined)(`PostgreSQL state, ledger and lock${skipped ? ` (${skipped})` : ''}`, () => {
  let cluster: PostgresCluster;
  let n = 0;
  const fresh = () => cluster.createDatabase(`pgb_${n++}`);

  beforeAll(async () => {
    cluster = await startPostgres();
  }, 120_000);
  afterAll(() => cluster?.stop());

  it('concurrent appenders on separate connections queue on the head: one chain, seqs contiguous', async () => {
    const url = fresh();
    const appenders = Array.from({ length: 8 }, () => new PgLedger(url));
    try {
      // Every appender connects and migrates first, then all append at once, 10 each.
      await Promise.all(appenders.map((l) => l.head()));
      const appended = await Promise.all(
        appenders.map(async (l, i) => {
          const mine: LedgerEntry[] = [];
          for (let j = 0; j < 10; j++) mine.push(await l.append({ kind: 'run_receipt', envelope: envelope(i * 100 + j) }));
          return mine;
        }),
      );
      const entries = await appenders[0]!.entries();
      expectOneChain(entries, 80);
      // What each appender was told it appended is what the ledger holds.
      const bySeq = new Map(entries.map((e) => [e.seq, e]));
      for (const e of appended.flat()) expect(bySeq.get(e.seq)).toEqual(e);
    } finally {
      await Promise.all(appenders.map((l) => l.close()));
    }
  });

  it('concurrent appenders in separate processes: one chain, seqs contiguous', async () => {
    const url = fresh();
    const first = new PgLedger(url);
    await first.head();
    const dist = join(process.cwd(), 'dist');
    const script = `
      import { generateKeyPairSync } from 'node:crypto';
      const { PgLedger } = await import(${JSON.stringify(join(dist, 'store/postgres/pgLedger.js'))});
      const { signStatement } = await import(${JSON.stringify(join(dist, 'store/receipts/dsse.js'))});
      const key = { keyid: 'sha256:${'2'.repeat(64)}', privateKey: generateKeyPairSync('ed25519').privateKey };
      const ledger = new PgLedger(process.argv[1]);
      for (let j = 0; j < 15; j++) {
        const envelope = signStatement({ _type: 'https://in-toto.io/Statement/v1', subject: [{ name: 'x', digest: { sha256: '${'b'.repeat(64)}' } }], predicateType: 'https://kfm.dev/test/v1', predicate: { pid: process.pid, j } }, key);
        await ledger.append({ kind: 'run_receipt', envelope });
      }
      await ledger.close();
    `;
    try {
      await Promise.all(Array.from({ length: 4 }, () => run(process.execPath, ['--input-type=module', '-e', script, url])));
      expectOneChain(await first.entries(), 60);
    } finally {
      await first.close();
    }
  }, 60_000);

  it('the database refuses what kfm never does: update, delete, truncate, or an insert that forks the chain', async () => {
    const url = fresh();
    const ledger = new PgLedger(url);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const e1 = await ledger.append({ kind: 'run_receipt', envelope: envelope(1) });
      await ledger.append({ kind: 'run_receipt', envelope: envelope(2) });
      const refused = async (sql: string, params: unknown[] = []) => {
        try {
          await client.query(sql, params);
        } catch (e) {
          return (e as Error).message;
        }
        return 'accepted';
      };
      expect(await refused("UPDATE kfm_ledger_entries SET kind = 'x' WHERE seq = 1")).toBe('the audit ledger is append-only: entries cannot be updated');
      expect(await refused('DELETE FROM kfm_ledger_entries WHERE seq = 2')).toBe('the audit ledger is append-only: entries cannot be deleted');
      expect(await refused('TRUNCATE kfm_ledger_entries')).toBe('the audit ledger is append-only: entries cannot be truncated');
      // A second entry 2 after entry 1 (a fork), and an entry 3 that does not chain to entry 2.
      const insert = 'INSERT INTO kfm_ledger_entries (seq, prev_hash, entry_hash, kind, envelope, created_at) VALUES ($1, $2, $3, $4, $5, $6)';
      expect(await refused(insert, [2, e1.entryHash, `sha256:${'f'.repeat(64)}`, 'run_receipt', '{}', 'now'])).toBe(
        'the audit ledger is append-only: a new entry must follow the last one',
      );
      expect(await refused(insert, [3, e1.entryHash, `sha256:${'f'.repeat(64)}`, 'run_receipt', '{}', 'now'])).toBe(
        'the audit ledger is append-only: a new entry must follow the last one',
      );
      expectOneChain(await ledger.entries(), 2);
    } finally {
      await client.end();
      await ledger.close();
    }
  });

  it('migrates once when many open a new database at once, and refuses a newer schema, naming it without the password', async () => {
    const url = fresh();
    const states = Array.from({ length: 4 }, () => new PgState(url, local()));
    await Promise.all(states.map((s) => s.latestResults()));
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      expect((await client.query('SELECT component, version FROM kfm_schema')).rows).toEqual([{ component: 'kfm', version: PG_SCHEMA_VERSION }]);
      await client.query("UPDATE kfm_schema SET version = 99 WHERE component = 'kfm'");
      await client.query("ALTER ROLE kfm PASSWORD 'hunter2-secret'");
      const withPassword = url.replace('kfm@', 'kfm:hunter2-secret@');
      const newer = new PgState(withPassword, local());
      let thrown: unknown;
      try {
        await newer.runs();
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(KfmError);
      const message = (thrown as KfmError).message;
      expect(message).toContain('has version 99, newer than this kfm supports (1); upgrade kfm');
      expect(message).toContain('kfm:REDACTED@');
      expect(message).not.toContain('hunter2');
      await newer.close();
    } finally {
      await client.end();
      await Promise.all(states.map((s) => s.close()));
    }
  });

  it('a read-only ledger on a database without kfm tables reads empty and creates nothing', async () => {
    const url = fresh();
    const ledger = new PgLedger(url, { readonly: true });
    expect(await ledger.entries()).toEqual([]);
    expect(await ledger.head()).toEqual({ seq: 0, entryHash: GENESIS_HASH });
    expect(await ledger.ledgerId()).toBeNull();
    await ledger.close();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      expect((await client.query("SELECT count(*)::int AS n FROM pg_tables WHERE tablename LIKE 'kfm%'")).rows).toEqual([{ n: 0 }]);
    } finally {
      await client.end();
    }
  });

  it('a connection failure names the database with its password redacted', async () => {
    const state = new PgState(`postgres://kfm:s3cret-pw@127.0.0.1:1/nowhere`, local());
    let thrown: unknown;
    try {
      await state.latestResults();
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(KfmError);
    expect((thrown as KfmError).code).toBe('state');
    expect((thrown as KfmError).message).toMatch(/^cannot open kfm state: cannot connect \(PostgreSQL postgres:\/\/kfm:REDACTED@127\.0\.0\.1:1\/nowhere\): /);
    expect((thrown as KfmError).message).not.toContain('s3cret');
    await state.close();
  });

  it('the project lock is freed when its holder session ends, and waiters are told who holds it', async () => {
    const url = fresh();
    const a = new PgProjectLock(url);
    const b = new PgProjectLock(url);
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await a.acquire('kfm build doomed', () => undefined, { pollMs: 5 });
      const waits: string[] = [];
      const e = await b.acquire('kfm build', (h) => waits.push(h), { pollMs: 5, timeoutMs: 20 }).catch((x: unknown) => x);
      expect((e as KfmError).message).toMatch(/^timed out waiting for the project lock held by kfm build doomed \(pid \d+ on .+, since .+\)$/);
      expect(waits[0]).toMatch(/^kfm build doomed \(/);
      // The holder's session dies (a killed process, a dropped connection): the server frees the lock.
      const killed = await admin.query(
        "SELECT pg_terminate_backend(pid) AS ok FROM pg_locks WHERE locktype = 'advisory' AND classid = $1 AND objid = $2 AND granted",
        [KFM_LOCK_CLASS, LOCK_PROJECT],
      );
      expect(killed.rows).toEqual([{ ok: true }]);
      await b.acquire('kfm build', () => undefined, { pollMs: 5, timeoutMs: 10_000 });
      // Now b is the holder a third handle is told about.
      const c = new PgProjectLock(url);
      const e2 = await c.acquire('kfm gc', () => undefined, { pollMs: 5, timeoutMs: 20 }).catch((x: unknown) => x);
      await c.close();
      expect((e2 as KfmError).message).toMatch(/^timed out waiting for the project lock held by kfm build \(pid \d+ on /);
    } finally {
      await admin.end();
      await b.close();
      await a.close().catch(() => undefined);
    }
  });
});
