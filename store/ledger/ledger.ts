/**
 * The audit ledger: an append-only, hash-chained log of signed envelopes, in its own SQLite
 * file (`.kfm/ledger.db`, WAL, synchronous=FULL), apart from the rebuildable state so that
 * clearing caches never touches it. `PRAGMA user_version` is its schema version: older
 * files migrate forward on open; a newer one is an error (upgrade kfm).
 *
 * Rows: `entries(seq, prev_hash, entry_hash, kind, dataset_slug, dataset_version_id,
 * run_id, envelope, created_at)`.
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
 * breaks the chain. There is no update or delete path in kfm, and SQLite triggers abort
 * any UPDATE or DELETE of `entries` and any INSERT that does not extend the chain.
 * (Truncating the newest entries is not visible in the chain alone: verifyLedger's
 * receipt-file check and an externally recorded head, `last()`, cover it.)
 */
import Database from 'better-sqlite3';
import { canonicalJson } from '../../core/canonicalJson.js';
import { sha256, type Digest } from '../../core/digest.js';
import { KfmError } from '../../core/error.js';
import { checkEnvelopeShape, serializeEnvelope, unverifiedPayload, type DsseEnvelope } from '../receipts/dsse.js';
import { parseStatement } from '../receipts/inTotoStatement.js';

/** The ledger schema version this kfm writes. */
export const LEDGER_SCHEMA_VERSION = 1;

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
  entries(): LedgerEntry[];
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

const MIGRATIONS: ((db: Database.Database) => void)[] = [
  // 0 → 1
  (db) =>
    db.exec(`
      CREATE TABLE entries (
        seq INTEGER PRIMARY KEY,
        prev_hash TEXT NOT NULL,
        entry_hash TEXT NOT NULL,
        kind TEXT NOT NULL,
        dataset_slug TEXT,
        dataset_version_id TEXT,
        run_id TEXT,
        envelope TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE INDEX entries_dataset ON entries (dataset_slug, dataset_version_id);
      CREATE INDEX entries_run ON entries (run_id);
      CREATE TRIGGER entries_no_update BEFORE UPDATE ON entries
      BEGIN
        SELECT RAISE(ABORT, 'the audit ledger is append-only: entries cannot be updated');
      END;
      CREATE TRIGGER entries_no_delete BEFORE DELETE ON entries
      BEGIN
        SELECT RAISE(ABORT, 'the audit ledger is append-only: entries cannot be deleted');
      END;
      CREATE TRIGGER entries_extend_chain BEFORE INSERT ON entries
      WHEN NEW.seq IS NOT (SELECT IFNULL(MAX(seq), 0) + 1 FROM entries)
        OR NEW.prev_hash IS NOT IFNULL((SELECT entry_hash FROM entries ORDER BY seq DESC LIMIT 1), '${GENESIS_HASH}')
      BEGIN
        SELECT RAISE(ABORT, 'the audit ledger is append-only: a new entry must follow the last one');
      END;
    `),
];

interface EntryRow {
  seq: number;
  prev_hash: string;
  entry_hash: string;
  kind: string;
  dataset_slug: string | null;
  dataset_version_id: string | null;
  run_id: string | null;
  envelope: string;
  created_at: string;
}

/**
 * The ledger file. `append` is the only write; everything else reads. Open it `readonly`
 * to verify without creating or migrating anything.
 */
export class Ledger implements LedgerReader {
  readonly path: string;
  readonly #db: Database.Database;
  readonly #now: () => Date;

  constructor(path: string, options: { readonly?: boolean; now?: () => Date } = {}) {
    this.path = path;
    this.#now = options.now ?? (() => new Date());
    try {
      this.#db = options.readonly ? new Database(path, { readonly: true, fileMustExist: true }) : new Database(path);
      if (!options.readonly) {
        this.#db.pragma('journal_mode = WAL');
        this.#db.pragma('synchronous = FULL');
      }
      this.#db.pragma('busy_timeout = 10000');
    } catch (e) {
      throw new KfmError('state', `cannot open the audit ledger ${path}: ${(e as Error).message}`);
    }
    try {
      this.#migrate(options.readonly ?? false);
    } catch (e) {
      this.#db.close();
      throw e;
    }
  }

  #migrate(readonly: boolean): void {
    let version: number;
    try {
      version = this.#db.pragma('user_version', { simple: true }) as number;
    } catch (e) {
      throw new KfmError('state', `the audit ledger ${this.path} is unreadable: ${(e as Error).message}`);
    }
    if (version > LEDGER_SCHEMA_VERSION) {
      throw new KfmError(
        'state',
        `the audit ledger ${this.path} has schema version ${version}, newer than this kfm supports (${LEDGER_SCHEMA_VERSION}); upgrade kfm`,
      );
    }
    if (version === LEDGER_SCHEMA_VERSION) return;
    if (readonly) {
      throw new KfmError(
        'state',
        `the audit ledger ${this.path} has schema version ${version}, older than this kfm writes (${LEDGER_SCHEMA_VERSION}); open it for writing once to migrate it`,
      );
    }
    // Re-read the version under the write lock: another process may have migrated meanwhile.
    this.#db
      .transaction(() => {
        for (let v = this.#db.pragma('user_version', { simple: true }) as number; v < LEDGER_SCHEMA_VERSION; v++) {
          MIGRATIONS[v]!(this.#db);
          this.#db.pragma(`user_version = ${v + 1}`);
        }
      })
      .immediate();
  }

  get schemaVersion(): number {
    return this.#db.pragma('user_version', { simple: true }) as number;
  }

  /**
   * Appends a signed envelope as the next entry, chained to the last one (in one
   * IMMEDIATE transaction, so concurrent appenders serialise). The index columns are
   * copied from the envelope's statement predicate (`dataset_slug`, `dataset_version_id`,
   * `run_id`) when it has them. The envelope is not verified here: verifyLedger does that.
   */
  append(input: { kind: string; envelope: DsseEnvelope }): LedgerEntry {
    if (input.kind === '') throw new KfmError('store', 'a ledger entry needs a kind');
    const shape = checkEnvelopeShape(input.envelope);
    if (!shape.ok) throw new KfmError('store', `cannot append to the audit ledger: not a DSSE envelope: ${shape.error}`);
    const envelope = serializeEnvelope(input.envelope);
    const index = indexFields(input.envelope);
    return this.#db
      .transaction((): LedgerEntry => {
        const last = this.#db.prepare('SELECT seq, entry_hash FROM entries ORDER BY seq DESC LIMIT 1').get() as
          | { seq: number; entry_hash: string }
          | undefined;
        const seq = last ? last.seq + 1 : 1;
        const prevHash = last ? last.entry_hash : GENESIS_HASH;
        const createdAt = this.#now().toISOString();
        const entry: LedgerEntry = {
          seq,
          prevHash,
          entryHash: entryHash({ seq, prevHash, kind: input.kind, envelope, createdAt }),
          kind: input.kind,
          ...index,
          envelope,
          createdAt,
        };
        this.#db
          .prepare(
            `INSERT INTO entries (seq, prev_hash, entry_hash, kind, dataset_slug, dataset_version_id, run_id, envelope, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(seq, prevHash, entry.entryHash, entry.kind, entry.datasetSlug, entry.datasetVersionId, entry.runId, envelope, createdAt);
        return entry;
      })
      .immediate();
  }

  /** Every entry, by seq. */
  entries(): LedgerEntry[] {
    return (this.#db.prepare('SELECT * FROM entries ORDER BY seq').all() as EntryRow[]).map(fromRow);
  }

  /** The entries of a dataset, or of one of its versions, by seq. */
  entriesFor(slug: string, dvid?: string): LedgerEntry[] {
    const rows =
      dvid === undefined
        ? this.#db.prepare('SELECT * FROM entries WHERE dataset_slug = ? ORDER BY seq').all(slug)
        : this.#db.prepare('SELECT * FROM entries WHERE dataset_slug = ? AND dataset_version_id = ? ORDER BY seq').all(slug, dvid);
    return (rows as EntryRow[]).map(fromRow);
  }

  /** The newest entry: its entry_hash is the ledger's head. */
  last(): LedgerEntry | undefined {
    const row = this.#db.prepare('SELECT * FROM entries ORDER BY seq DESC LIMIT 1').get() as EntryRow | undefined;
    return row && fromRow(row);
  }

  close(): void {
    this.#db.close();
  }
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

function fromRow(r: EntryRow): LedgerEntry {
  return {
    seq: r.seq,
    prevHash: r.prev_hash,
    entryHash: r.entry_hash,
    kind: r.kind,
    datasetSlug: r.dataset_slug,
    datasetVersionId: r.dataset_version_id,
    runId: r.run_id,
    envelope: r.envelope,
    createdAt: r.created_at,
  };
}
