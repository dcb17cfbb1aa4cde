import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { distUrl } from '../../core/distUrl.js';
import { KfmError } from '../../core/error.js';
import type { TrustedKeys } from '../receipts/trustedKeys.js';
import type { LedgerEntry } from './ledger.js';
import type { EntryPrecheck, EnvelopeJob } from './precheckWorker.js';

/** Below this many entries, starting workers costs more than it saves: verifyLedger does it all in the caller's thread. */
export const PARALLEL_PRECHECK_MIN = 2000;

/** What precheckLedger computed, by entry (the row objects it was given). */
export type LedgerPrecheck = ReadonlyMap<LedgerEntry, EntryPrecheck>;

/**
 * The costly, independent part of verifying a ledger, in batches across worker threads (one
 * per available core, at most 4): each entry's own hash (entryHash) and each run receipt's
 * signature (verifyEnvelope against the trusted keys) — the same functions verifyLedger
 * calls, on more cores. Start it, do other work (auditProject), then hand the result to
 * verifyLedger. Undefined for a small ledger, one core, or no built worker (dist/):
 * verifyLedger then computes them itself.
 */
export async function precheckLedger(rows: readonly LedgerEntry[], trustedKeys: TrustedKeys): Promise<LedgerPrecheck | undefined> {
  const threads = Math.min(4, availableParallelism());
  if (rows.length < PARALLEL_PRECHECK_MIN || threads < 2) return undefined;
  const url = distUrl('store/ledger/precheckWorker.js');
  if (!existsSync(fileURLToPath(url))) return undefined;
  const keys: [string, string][] = [...trustedKeys].map(([id, k]) => [id, k.export({ format: 'pem', type: 'spki' }) as string]);
  const size = Math.ceil(rows.length / threads);
  const batches: Promise<EntryPrecheck[]>[] = [];
  for (let at = 0; at < rows.length; at += size) {
    const entries = rows.slice(at, at + size).map(({ seq, prevHash, kind, envelope, createdAt }) => ({ seq, prevHash, kind, envelope, createdAt }));
    batches.push(runWorker(url, { entries, keys }));
  }
  const out = (await Promise.all(batches)).flat();
  return new Map(rows.map((r, i) => [r, out[i]!]));
}

function runWorker(url: URL, job: EnvelopeJob): Promise<EntryPrecheck[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(url, { workerData: job });
    let result: EntryPrecheck[] | undefined;
    worker.on('message', (m: EntryPrecheck[]) => (result = m));
    worker.on('error', (e: Error) => reject(new KfmError('state', `verifying the ledger in a worker thread failed: ${e.message}`)));
    worker.on('exit', (code) => {
      if (result && result.length === job.entries.length) resolve(result);
      else reject(new KfmError('state', `a ledger verification worker exited with code ${code} before answering`));
    });
  });
}
