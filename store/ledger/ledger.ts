/**
 * The audit ledger: an append-only, hash-chained log of signed envelopes. This file is its
 * entry format and the Ledger seam; SqliteLedger (sqliteLedger.ts) keeps it in its own
 * SQLite file (`.kfm/ledger.db`), MemoryLedger (store/memory/memoryLedger.ts) is its fake,
 * and both build entries with `chainEntry` below, so the chain is computed one way.
 *
 * An entry: `(seq, prev_hash, entry_hash, kind, dataset_slug, dataset_version_id, run_id,
 * envelope, created_at)`.
 * - `seq`: 1, 2, 3, … with no gaps.
 * - `envelope`: the DSSE envelope as RFC 8785 canonical JSON text (serializeEnvelope).
 * - `created_at`: when the entry was appended, `Date.toISOString()` (UTC, milliseconds).
 * - `prev_hash`: the `entry_hash` of entry `seq - 1`; for entry 1, GENESIS_HASH
 *   (`sha256:` + 64 zeros).
 * - `entry_hash` (ledger entry format v1), exactly:
 *
 *       envelope_digest = "sha256:" + hex(SHA-256(UTF-8 bytes of the `envelope` text))
 *       entry_hash      = "sha256:" + hex(SHA-256(UTF-8 bytes of JCS({
 *                           "created_at":      <created_at>,       (string)
 *                           "envelope_digest": <envelope_digest>,  (string)
 *                           "kind":            <kind>,             (string)
 *                           "prev_hash":       <prev_hash>,        (string)
 *                           "seq":             <seq>               (integer)
 *                         })))
 *
 *   JCS is RFC 8785 (keys in the order shown, no whitespace), hex is lowercase. Example:
 *   `{"created_at":"2026-03-02T14:15:00.000Z","envelope_digest":"sha256:…","kind":"run_receipt","prev_hash":"sha256:000…","seq":1}`.
 * - `dataset_slug`, `dataset_version_id`, `run_id`: an index, copied from the signed
 *   receipt at append time. They are not hashed; verifyLedger checks them against the
 *   receipt they were copied from.
 *
 * Each entry thus commits to the one before it: editing, deleting or renumbering a row
 * breaks the chain. There is no update or delete path in kfm (and in SQLite, triggers abort
 * any UPDATE or DELETE of `entries` and any INSERT that does not extend the chain).
 * (Truncating the newest entries is not visible in the chain alone: verifyLedger's
 * receipt-file check and an externally recorded head, `last()`, cover it.)
 *
 * A ledger's identity (`ledger_id`) is the entry_hash of its entry 1 (`ledgerIdOf`): fixed
 * once the first receipt is appended (its created_at makes it unique to the ledger), kept by
 * every append and by a truncation of the tail, and changed only by replacing the ledger
 * (or rewriting entry 1, which breaks the chain). A committed receipts anchor names the
 * ledger it was recorded in, so a clone (a new ledger) can tell another ledger's anchor
 * from a hole in its own. An empty ledger has no id yet (null).
 */
import { canonicalJson } from '../../core/canonicalJson.js';
import { sha256, type Digest } from '../../core/digest.js';
import { KfmError } from '../../core/error.js';
import type { Awaitable } from '../awaitable.js';
import { checkEnvelopeShape, serializeEnvelope, unverifiedPayload, type DsseEnvelope } from '../receipts/dsse.js';
import { parseStatement } from '../receipts/inTotoStatement.js';

/** The prev_hash of the first entry. */
export const GENESIS_HASH: Digest = `sha256:${'0'.repeat(64)}`;

/** The kind of an entry holding a signed run receipt. */
export const LEDGER_KIND_RUN_RECEIPT = 'run_receipt';

export interface LedgerEntry {
  seq: number;
  prevHash: string;
  entryHash: string;
  kind: string;
  datasetSlug: string | null;
  datasetVersionId: string | null;
  runId: string | null;
  /** The envelope's canonical JSON text, as hashed. */
  envelope: string;
  createdAt: string;
}

/** What verification reads. */
export interface LedgerReader {
  /** Every entry, by seq. */
  entries(): Awaitable<LedgerEntry[]>;
}

/** `sha256` of the envelope text's UTF-8 bytes. */
export function envelopeDigest(envelopeText: string): Digest {
  return sha256(Buffer.from(envelopeText, 'utf8'));
}

/** The entry hash (see the header of this file). */
export function entryHash(e: { seq: number; prevHash: string; kind: string; envelope: string; createdAt: string }): Digest {
  return sha256(
    canonicalJson({
      seq: e.seq,
      prev_hash: e.prevHash,
      kind: e.kind,
      envelope_digest: envelopeDigest(e.envelope),
      created_at: e.createdAt,
    }),
  );
}

/** The newest entry's seq and entry_hash: `{ seq: 0, entryHash: GENESIS_HASH }` for an empty ledger. */
export interface LedgerHead {
  seq: number;
  entryHash: Digest;
}

/** What to append: a kind and a signed envelope. */
export interface LedgerAppend {
  kind: string;
  envelope: DsseEnvelope;
}

/**
 * The audit ledger seam: SqliteLedger, MemoryLedger, and later PostgreSQL. Awaitable
 * (store/awaitable.ts): SQLite answers synchronously; always await. Appends serialise:
 * each extends the head it read, atomically, or fails.
 */
export interface Ledger {
  /**
   * Appends a signed envelope as the next entry, chained to the head. The index columns are
   * copied from the envelope's statement predicate (`dataset_slug`, `dataset_version_id`,
   * `run_id`) when it has them. The envelope is not verified here: verifyLedger does that.
   * An empty kind or a value that is not a DSSE envelope: a KfmError `store`.
   */
  append(input: LedgerAppend): Awaitable<LedgerEntry>;
  /** Every entry, by seq. */
  entries(): Awaitable<LedgerEntry[]>;
  /** The entries of a dataset, or of one of its versions, by seq. */
  entriesFor(slug: string, dvid?: string): Awaitable<LedgerEntry[]>;
  /** Where the chain ends: what the next entry's prev_hash will be. Record it elsewhere to detect truncation. */
  head(): Awaitable<LedgerHead>;
  /** The ledger's identity: entry 1's entry_hash (`ledgerIdOf`); null while it is empty. */
  ledgerId(): Awaitable<Digest | null>;
  close(): Awaitable<void>;
}

/** An append, checked and serialised, ready to chain (done before any lock is taken). */
export interface PreparedAppend {
  kind: string;
  /** The envelope's canonical JSON text. */
  envelope: string;
  index: Pick<LedgerEntry, 'datasetSlug' | 'datasetVersionId' | 'runId'>;
}

/** Checks an append and serialises its envelope (KfmError `store` when it is not one). */
export function prepareAppend(input: LedgerAppend): PreparedAppend {
  if (input.kind === '') throw new KfmError('store', 'a ledger entry needs a kind');
  const shape = checkEnvelopeShape(input.envelope);
  if (!shape.ok) throw new KfmError('store', `cannot append to the audit ledger: not a DSSE envelope: ${shape.error}`);
  return { kind: input.kind, envelope: serializeEnvelope(input.envelope), index: indexFields(input.envelope) };
}

/** The entry that extends `head` with a prepared append, created at `createdAt` (the one way entries are made). */
export function chainEntry(prepared: PreparedAppend, head: LedgerHead, createdAt: string): LedgerEntry {
  const seq = head.seq + 1;
  const prevHash = head.entryHash;
  return {
    seq,
    prevHash,
    entryHash: entryHash({ seq, prevHash, kind: prepared.kind, envelope: prepared.envelope, createdAt }),
    kind: prepared.kind,
    ...prepared.index,
    envelope: prepared.envelope,
    createdAt,
  };
}

/** A ledger's id from its entry 1 (see the header of this file): null for an empty ledger. */
export function ledgerIdOf(first: Pick<LedgerEntry, 'seq' | 'entryHash'> | undefined): Digest | null {
  return first !== undefined && first.seq === 1 ? (first.entryHash as Digest) : null;
}

/** The short form messages show: the first 8 hex digits of a ledger id (`ledger 3f2a9c1b`). */
export function shortLedgerId(id: string | null): string {
  return id === null ? '(empty)' : id.replace(/^sha256:/, '').slice(0, 8);
}

/** The head after `last` (GENESIS when there is none). */
export function headOf(last: LedgerEntry | undefined): LedgerHead {
  return last ? { seq: last.seq, entryHash: last.entryHash as Digest } : { seq: 0, entryHash: GENESIS_HASH };
}

function indexFields(envelope: DsseEnvelope): Pick<LedgerEntry, 'datasetSlug' | 'datasetVersionId' | 'runId'> {
  const statement = parseStatement(unverifiedPayload(envelope));
  const p = statement.ok ? statement.value.predicate : undefined;
  const field = (name: string): string | null => {
    if (typeof p !== 'object' || p === null) return null;
    const v = (p as Record<string, unknown>)[name];
    return typeof v === 'string' ? v : null;
  };
  return { datasetSlug: field('dataset_slug'), datasetVersionId: field('dataset_version_id'), runId: field('run_id') };
}
