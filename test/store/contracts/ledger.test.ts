import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KfmError } from '../../../core/error.js';
import { entryHash, GENESIS_HASH, ledgerIdOf, shortLedgerId, type Ledger, type LedgerAppend, type LedgerEntry } from '../../../store/ledger/ledger.js';
import { SqliteLedger } from '../../../store/ledger/sqliteLedger.js';
import { MemoryLedger } from '../../../store/memory/memoryLedger.js';
import { PgLedger } from '../../../store/postgres/pgLedger.js';
import { freshDatabase, postgresSkipped, usePostgres } from './postgresSubjects.js';
import { serializeEnvelope, signStatement, type DsseEnvelope } from '../../../store/receipts/dsse.js';
import { IN_TOTO_STATEMENT_TYPE } from '../../../store/receipts/inTotoStatement.js';

const T0 = Date.UTC(2026, 2, 2, 14, 15, 0);
const { privateKey } = generateKeyPairSync('ed25519');
const key = { keyid: `sha256:${'1'.repeat(64)}`, privateKey };

function envelope(predicate: Record<string, unknown>): DsseEnvelope {
  return signStatement(
    { _type: IN_TOTO_STATEMENT_TYPE, subject: [{ name: 'x', digest: { sha256: 'a'.repeat(64) } }], predicateType: 'https://kfm.dev/test/v1', predicate },
    key,
  );
}

const receipts = [
  envelope({ dataset_slug: 'ks', dataset_version_id: '2019.aaaaaaaa', run_id: 'r1' }),
  envelope({ dataset_slug: 'ne', dataset_version_id: '2020.bbbbbbbb', run_id: 'r2' }),
  envelope({ dataset_slug: 'ks', dataset_version_id: '2020.cccccccc', run_id: 'r3' }),
  envelope({ note: 'no index fields' }),
];

const implementations: { name: string; open(dir: string, now: () => Date): Ledger }[] = [
  { name: 'SqliteLedger', open: (dir, now) => new SqliteLedger(join(dir, 'ledger.db'), { now }) },
  { name: 'MemoryLedger', open: (_dir, now) => new MemoryLedger({ now }) },
  ...(postgresSkipped ? [] : [{ name: 'PgLedger (PostgreSQL)', open: (_dir: string, now: () => Date) => new PgLedger(freshDatabase(), { now }) }]),
];

usePostgres();

/** Appends the receipts, a second apart from T0. */
async function appendAll(ledger: Ledger): Promise<LedgerEntry[]> {
  const out: LedgerEntry[] = [];
  for (const envelope of receipts) out.push(await ledger.append({ kind: 'run_receipt', envelope }));
  return out;
}

describe.each(implementations)('Ledger contract: $name', (impl) => {
  let dir: string;
  let ledger: Ledger;
  let tick: number;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kfm-ledger-contract-'));
    tick = 0;
    ledger = impl.open(dir, () => new Date(T0 + tick++ * 1000));
  });
  afterEach(async () => {
    await ledger.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts empty, at the genesis head', async () => {
    expect(await ledger.entries()).toEqual([]);
    expect(await ledger.head()).toEqual({ seq: 0, entryHash: GENESIS_HASH });
    expect(await ledger.ledgerId()).toBeNull();
  });

  it("its id is entry 1's hash, fixed by the first append and kept by every later one", async () => {
    const first = await ledger.append({ kind: 'run_receipt', envelope: receipts[0]! });
    expect(await ledger.ledgerId()).toBe(first.entryHash);
    await ledger.append({ kind: 'run_receipt', envelope: receipts[1]! });
    expect(await ledger.ledgerId()).toBe(first.entryHash);
    expect(ledgerIdOf(first)).toBe(first.entryHash);
    expect(shortLedgerId(first.entryHash)).toBe(first.entryHash.slice('sha256:'.length, 'sha256:'.length + 8));
  });

  it('appends in order, each entry chained to the one before, as the entry format says', async () => {
    const appended = await appendAll(ledger);
    const entries = await ledger.entries();
    expect(entries).toEqual(appended);
    expect(entries.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    let prev: string = GENESIS_HASH;
    for (const [i, e] of entries.entries()) {
      expect(e.prevHash).toBe(prev);
      expect(e.createdAt).toBe(new Date(T0 + i * 1000).toISOString());
      expect(e.envelope).toBe(serializeEnvelope(receipts[i]!));
      expect(e.entryHash).toBe(entryHash(e));
      prev = e.entryHash;
    }
    expect(await ledger.head()).toEqual({ seq: 4, entryHash: entries[3]!.entryHash });
  });

  it('indexes entries by the dataset and version their receipt names', async () => {
    await appendAll(ledger);
    const entries = await ledger.entries();
    expect(entries.map((e) => [e.datasetSlug, e.datasetVersionId, e.runId])).toEqual([
      ['ks', '2019.aaaaaaaa', 'r1'],
      ['ne', '2020.bbbbbbbb', 'r2'],
      ['ks', '2020.cccccccc', 'r3'],
      [null, null, null],
    ]);
    expect((await ledger.entriesFor('ks')).map((e) => e.seq)).toEqual([1, 3]);
    expect((await ledger.entriesFor('ks', '2020.cccccccc')).map((e) => e.seq)).toEqual([3]);
    expect(await ledger.entriesFor('nope')).toEqual([]);
  });

  it('refuses an entry without a kind or an envelope that is not DSSE, appending nothing', async () => {
    await ledger.append({ kind: 'run_receipt', envelope: receipts[0]! });
    const cases: [LedgerAppend, string][] = [
      [{ kind: '', envelope: receipts[1]! }, 'a ledger entry needs a kind'],
      [{ kind: 'run_receipt', envelope: { payloadType: 'x', payload: '!!', signatures: [] } }, 'cannot append to the audit ledger: not a DSSE envelope: payload is not base64'],
    ];
    for (const [input, message] of cases) {
      let thrown: unknown;
      try {
        await ledger.append(input);
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(KfmError);
      expect({ code: (thrown as KfmError).code, message: (thrown as KfmError).message }).toEqual({ code: 'store', message });
    }
    expect((await ledger.entries()).map((e) => e.seq)).toEqual([1]);
  });

  it('hands out copies', async () => {
    await appendAll(ledger);
    (await ledger.entries())[0]!.kind = 'changed';
    expect((await ledger.entries())[0]!.kind).toBe('run_receipt');
  });
});

describe('Ledger implementations agree', () => {
  it('the same appends at the same times give the same entries, hashes included', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kfm-ledger-contract-'));
    try {
      const results: LedgerEntry[][] = [];
      for (const impl of implementations) {
        let tick = 0;
        const ledger = impl.open(dir, () => new Date(T0 + tick++ * 1000));
        results.push(await appendAll(ledger));
        await ledger.close();
      }
      for (const r of results.slice(1)) expect(r).toEqual(results[0]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
