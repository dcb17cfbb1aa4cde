/**
 * A large ledger (above PARALLEL_PRECHECK_MIN) is verified with entry hashes and signatures
 * computed on worker threads (precheckLedger): every tampering is found exactly as the
 * single-threaded verification finds it (the same problems, in the same order). Needs dist/
 * (the worker is compiled JavaScript): the e2e suites build it.
 */
import { availableParallelism } from 'node:os';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { chainEntry, headOf, LEDGER_KIND_RUN_RECEIPT, prepareAppend, type LedgerEntry } from '../../store/ledger/ledger.js';
import { PARALLEL_PRECHECK_MIN, precheckLedger, type LedgerPrecheck } from '../../store/ledger/precheckLedger.js';
import { verifyLedger } from '../../store/ledger/verifyLedger.js';
import { signStatement, type DsseEnvelope } from '../../store/receipts/dsse.js';
import { receiptStatement } from '../../store/receipts/inTotoStatement.js';
import { runId } from '../../store/receipts/runReceipt.js';
import { sha256 } from '../../core/digest.js';
import { ReceiptRig, T0 } from './receiptRig.js';

let rig: ReceiptRig;
beforeEach(() => {
  rig = new ReceiptRig();
});
afterEach(() => rig.close());

/** `n` signed entries, chained in memory by the ledger's own functions, each a receipt naming the rig's stored bytes. */
function ledgerOf(n: number): LedgerEntry[] {
  rig.record(1, { file: false });
  const template = rig.receipts[0]!;
  const rows: LedgerEntry[] = [...rig.ledger.entries()];
  for (let i = 2; i <= n; i++) {
    const r = { ...template, run_id: runId(new Date(T0 + i * 60_000), template.dataset_slug, sha256(`seed ${i}`)) };
    const e = chainEntry(prepareAppend({ kind: LEDGER_KIND_RUN_RECEIPT, envelope: signStatement(receiptStatement(r), rig.key) }), headOf(rows.at(-1)), new Date(T0 + i * 1000).toISOString());
    rows.push(e);
  }
  return rows;
}

it('finds the same problems with the hashes and signatures computed on worker threads', async () => {
  const n = PARALLEL_PRECHECK_MIN + 100;
  const rows = ledgerOf(n);
  const trustedKeys = rig.trusted;
  const verify = (precheck?: LedgerPrecheck) => verifyLedger({ ledger: { entries: () => rows }, store: rig.store, trustedKeys, ...(precheck ? { precheck } : {}) });
  expect(await verify()).toEqual([]);

  // Tamper (no rechaining, so each also breaks its entry hash): a signature swapped in from another entry,
  // an envelope altered in place (its hash and signature both wrong), an envelope that is not JSON.
  const env = (r: LedgerEntry) => JSON.parse(r.envelope) as DsseEnvelope;
  const swapped = env(rows[499]!);
  swapped.signatures[0]!.sig = env(rows[500]!).signatures[0]!.sig;
  rows[499] = { ...rows[499]!, envelope: JSON.stringify(swapped) };
  rows[1499] = { ...rows[1499]!, envelope: rows[1499]!.envelope.replace('"payloadType"', '"payloadType" ') };
  rows[1799] = { ...rows[1799]!, envelope: '{not json' };

  if (availableParallelism() >= 2) expect(await precheckLedger(rows, trustedKeys)).toBeDefined();
  const parallel = await verify();
  const inThread = await verify(new Map()); // an empty precheck: everything computed in this thread
  expect(parallel).toEqual(inThread);
  const reasons = (seq: number) => parallel.filter((p) => p.seq === seq).map((p) => p.reason);
  expect(reasons(500)).toEqual(['entry-hash-mismatch', 'bad-signature']);
  expect(reasons(1500)).toContain('entry-hash-mismatch');
  expect(reasons(1800)).toEqual(['entry-hash-mismatch', 'unreadable']);
  expect(parallel.every((p) => [500, 1500, 1800].includes(p.seq!))).toBe(true);
});
