import Database from 'better-sqlite3';
import type { Digest } from '../../core/digest.js';
import { KfmError } from '../../core/error.js';
import { ledgerEntryFromRow, type LedgerEntryRow } from './ledgerEntryRow.js';
import {
  chainEntry,
  GENESIS_HASH,
  headOf,
  ledgerIdOf,
  prepareAppend,
  type Ledger,
  type LedgerAppend,
  type LedgerEntry,
  type LedgerHead,
} from './ledger.js';

/** The ledger schema version this kfm writes. */
export const LEDGER_SCHEMA_VERSION = 1;

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


/**
 * The ledger in its own SQLite file (`.kfm/ledger.db`, WAL, synchronous=FULL), apart from
 * the rebuildable state so that clearing caches never touches it. `PRAGMA user_version` is
 * its schema version: older files migrate forward on open; a newer one is an error
 * (upgrade kfm). `append` is the only write; everything else reads. Open it `readonly` to
 * verify without creating or migrating anything. Its methods answer synchronously (the
 * local fast path today's callers use).
 */
export class SqliteLedger implements Ledger {
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
   * Appends a signed envelope as the next entry (see Ledger.append), in one IMMEDIATE
   * transaction, so concurrent appenders serialise.
   */
  append(input: LedgerAppend): LedgerEntry {
    const prepared = prepareAppend(input);
    return this.#db
      .transaction((): LedgerEntry => {
        const entry = chainEntry(prepared, headOf(this.last()), this.#now().toISOString());
        this.#db
          .prepare(
            `INSERT INTO entries (seq, prev_hash, entry_hash, kind, dataset_slug, dataset_version_id, run_id, envelope, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(entry.seq, entry.prevHash, entry.entryHash, entry.kind, entry.datasetSlug, entry.datasetVersionId, entry.runId, entry.envelope, entry.createdAt);
        return entry;
      })
      .immediate();
  }

  /** Every entry, by seq. */
  entries(): LedgerEntry[] {
    return (this.#db.prepare('SELECT * FROM entries ORDER BY seq').all() as LedgerEntryRow[]).map(ledgerEntryFromRow);
  }

  /** The entries of a dataset, or of one of its versions, by seq. */
  entriesFor(slug: string, dvid?: string): LedgerEntry[] {
    const rows =
      dvid === undefined
        ? this.#db.prepare('SELECT * FROM entries WHERE dataset_slug = ? ORDER BY seq').all(slug)
        : this.#db.prepare('SELECT * FROM entries WHERE dataset_slug = ? AND dataset_version_id = ? ORDER BY seq').all(slug, dvid);
    return (rows as LedgerEntryRow[]).map(ledgerEntryFromRow);
  }

  head(): LedgerHead {
    return headOf(this.last());
  }

  ledgerId(): Digest | null {
    const row = this.#db.prepare('SELECT * FROM entries WHERE seq = 1').get() as LedgerEntryRow | undefined;
    return ledgerIdOf(row && ledgerEntryFromRow(row));
  }

  /** The newest entry: its entry_hash is the ledger's head. */
  last(): LedgerEntry | undefined {
    const row = this.#db.prepare('SELECT * FROM entries ORDER BY seq DESC LIMIT 1').get() as LedgerEntryRow | undefined;
    return row && ledgerEntryFromRow(row);
  }

  close(): void {
    this.#db.close();
  }
}

