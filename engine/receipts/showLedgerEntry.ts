import { KfmError } from '../../core/error.js';
import type { Json } from '../../core/json.js';
import { intactEntries } from '../../store/ledger/intactEntries.js';
import { LEDGER_KIND_RUN_RECEIPT, type LedgerEntry } from '../../store/ledger/ledger.js';
import { checkEnvelopeShape, unverifiedPayload, verifyEnvelope, type DsseEnvelope } from '../../store/receipts/dsse.js';
import { parseStatement } from '../../store/receipts/inTotoStatement.js';
import { pinnedKeys, readTrustFile, TRUST_FILE } from '../../store/receipts/trustFile.js';
import { verifyReceiptEnvelope } from '../../store/receipts/verifyReceiptEnvelope.js';
import type { ProjectPaths } from '../load/projectPaths.js';
import { readLedgerEntries } from './ledgerReader.js';

/** The format of `kfm receipts show --json` (schemas/receipts-show-report.schema.json). */
export const RECEIPTS_SHOW_REPORT_VERSION = 'v1';

export interface ReceiptsShowReport {
  kfm_receipts_show_version: typeof RECEIPTS_SHOW_REPORT_VERSION;
  seq: number;
  kind: string;
  run_id: string | null;
  dataset_slug: string | null;
  dataset_version_id: string | null;
  created_at: string;
  /** Where the entry sits in the hash chain, and whether the chain is intact up to it. */
  chain: { entry_hash: string; prev_hash: string; intact: boolean };
  envelope: { payload_type: string | null; signatures: { keyid: string | null }[] };
  /** `verified`: signed by a key kfm.trust.json pins (and, for a run receipt, a valid receipt); else why not. */
  signature: { status: 'verified' | 'failed'; keyid: string | null; problems: string[] };
  statement: { type: string | null; predicate_type: string | null; subjects: { name: string; digest: string | null }[]; predicate: Json | null };
}

/**
 * One ledger entry, decoded and checked: found by its seq (`12`) or its run id
 * (`kfm://run/…`, or the id without `kfm://run/`); the DSSE envelope and its in-toto
 * statement decoded, the signature checked against the keys kfm.trust.json pins (a run
 * receipt also against its schema and subjects), and its place in the hash chain. An entry
 * that is not in the ledger is a usage error naming what was asked for.
 */
export async function showLedgerEntry(paths: ProjectPaths, which: string): Promise<ReceiptsShowReport> {
  const rows = await readLedgerEntries(paths.kfmDir);
  const entry = findEntry(rows, which);
  const trust = readTrustFile(paths.root);
  const keys = pinnedKeys(trust);
  let envelope: unknown;
  try {
    envelope = JSON.parse(entry.envelope) as unknown;
  } catch {
    envelope = undefined;
  }
  const shape = checkEnvelopeShape(envelope);
  const problems: string[] = [];
  let keyid: string | null = null;
  if (entry.kind === LEDGER_KIND_RUN_RECEIPT) {
    const v = verifyReceiptEnvelope(entry.envelope, keys);
    keyid = v.keyid ?? null;
    problems.push(...v.problems.map((p) => p.message));
  } else {
    const v = verifyEnvelope(envelope, keys);
    if (v.ok) keyid = v.value.keyid;
    else problems.push(v.error.message);
  }
  if (trust === undefined) problems.push(`${TRUST_FILE} is missing: no key is trusted`);
  const statement = shape.ok ? parseStatement(unverifiedPayload(envelope as DsseEnvelope)) : undefined;
  const s = statement?.ok ? statement.value : undefined;
  return {
    kfm_receipts_show_version: RECEIPTS_SHOW_REPORT_VERSION,
    seq: entry.seq,
    kind: entry.kind,
    run_id: entry.runId,
    dataset_slug: entry.datasetSlug,
    dataset_version_id: entry.datasetVersionId,
    created_at: entry.createdAt,
    chain: { entry_hash: entry.entryHash, prev_hash: entry.prevHash, intact: intactEntries(rows).has(entry.seq) },
    envelope: {
      payload_type: shape.ok ? shape.value.payloadType : null,
      signatures: shape.ok ? shape.value.signatures.map((sig) => ({ keyid: sig.keyid ?? null })) : [],
    },
    signature: { status: problems.length === 0 ? 'verified' : 'failed', keyid, problems },
    statement: {
      type: s?._type ?? null,
      predicate_type: s?.predicateType ?? null,
      subjects: (s?.subject ?? []).map((sub) => ({ name: sub.name, digest: sub.digest?.sha256 !== undefined ? `sha256:${sub.digest.sha256}` : null })),
      predicate: (s?.predicate as Json | undefined) ?? null,
    },
  };
}

function findEntry(rows: readonly LedgerEntry[], which: string): LedgerEntry {
  if (/^[0-9]+$/.test(which)) {
    const seq = Number(which);
    const row = rows.find((r) => r.seq === seq);
    if (row) return row;
    throw new KfmError('usage', `the audit ledger has no entry ${seq} (it has ${rows.length === 0 ? 'none' : `1-${rows[rows.length - 1]!.seq}`})`);
  }
  const id = which.startsWith('kfm://run/') ? which : `kfm://run/${which.replace(/\.json$/, '')}`;
  const row = rows.find((r) => r.runId === id);
  if (row) return row;
  throw new KfmError('usage', `the audit ledger has no receipt with run id ${id} (kfm log lists them)`);
}
