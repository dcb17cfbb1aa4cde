import { createPublicKey, type KeyObject } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import type { Result } from '../../core/error.js';
import { entryHash, LEDGER_KIND_RUN_RECEIPT, type LedgerEntry } from './ledger.js';
import { verifyEnvelope, type EnvelopeProblem } from '../receipts/dsse.js';

/** What precheckLedger sends a worker: a batch of entries and the trusted keys (SPKI PEM, in the map's order). */
export interface EnvelopeJob {
  entries: Pick<LedgerEntry, 'seq' | 'prevHash' | 'kind' | 'envelope' | 'createdAt'>[];
  keys: [string, string][];
}

/** verifyEnvelope's outcome without the payload bytes (the caller decodes them again: the same base64). */
export type EnvelopeOutcome = Result<{ keyid: string }, EnvelopeProblem>;

/**
 * Per entry: the hash its fields hash to (entryHash), and for a run receipt the outcome of
 * verifyEnvelope on its envelope (null when the text is not JSON: the caller reports it).
 */
export interface EntryPrecheck {
  hash: string;
  signature?: EnvelopeOutcome | null;
}

function precheck(e: EnvelopeJob['entries'][number], keys: ReadonlyMap<string, KeyObject>): EntryPrecheck {
  const hash = entryHash(e);
  if (e.kind !== LEDGER_KIND_RUN_RECEIPT) return { hash };
  let value: unknown;
  try {
    value = JSON.parse(e.envelope);
  } catch {
    return { hash, signature: null };
  }
  const r = verifyEnvelope(value, keys);
  return { hash, signature: r.ok ? { ok: true, value: { keyid: r.value.keyid } } : r };
}

if (parentPort) {
  const job = workerData as EnvelopeJob;
  const keys = new Map<string, KeyObject>(job.keys.map(([id, pem]) => [id, createPublicKey(pem)]));
  parentPort.postMessage(job.entries.map((e) => precheck(e, keys)));
}
