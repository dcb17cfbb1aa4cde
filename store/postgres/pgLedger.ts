import type { Digest } from '../../core/digest.js';
import { chainEntry, headOf, ledgerIdOf, prepareAppend, type Ledger, type LedgerAppend, type LedgerEntry, type LedgerHead } from '../ledger/ledger.js';
import { KFM_LOCK_CLASS, LOCK_LEDGER, PgDatabase } from './pgDatabase.js';
import { ledgerEntryFromRow, type LedgerEntryRow } from '../ledger/ledgerEntryRow.js';


/**
 * The audit ledger in PostgreSQL (`kfm_ledger_entries`): the same entries and hash chain as
 * SqliteLedger (`chainEntry`, store/ledger/ledger.ts), shared by every machine that builds
 * the project. Appends serialise on a transaction-scoped advisory lock
 * (`pg_advisory_xact_lock(KFM_LOCK_CLASS, LOCK_LEDGER)`): each appender reads the head and
 * inserts the next entry while holding it, so concurrent appenders, in any process on any
 * machine, queue and the chain never forks. Triggers back that up in the database itself:
 * an UPDATE, DELETE or TRUNCATE is refused, and so is an INSERT that does not extend the
 * head (seq is also the primary key). `readonly`: nothing is created or migrated; a database
 * without kfm's tables reads as an empty ledger.
 */
export class PgLedger implements Ledger {
  readonly db: PgDatabase;
  readonly #now: () => Date;

  constructor(url: string, options: { readonly?: boolean; now?: () => Date } = {}) {
    this.db = new PgDatabase(url, { ...(options.readonly !== undefined ? { readonly: options.readonly } : {}), max: 2 });
    this.#now = options.now ?? (() => new Date());
  }

  async append(input: LedgerAppend): Promise<LedgerEntry> {
    const prepared = prepareAppend(input);
    return this.db.transaction('cannot append to the audit ledger', async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1, $2)', [KFM_LOCK_CLASS, LOCK_LEDGER]);
      const last = await c.query<LedgerEntryRow>('SELECT * FROM kfm_ledger_entries ORDER BY seq DESC LIMIT 1');
      const entry = chainEntry(prepared, headOf(last.rows[0] && ledgerEntryFromRow(last.rows[0])), this.#now().toISOString());
      await c.query(
        `INSERT INTO kfm_ledger_entries (seq, prev_hash, entry_hash, kind, dataset_slug, dataset_version_id, run_id, envelope, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [entry.seq, entry.prevHash, entry.entryHash, entry.kind, entry.datasetSlug, entry.datasetVersionId, entry.runId, entry.envelope, entry.createdAt],
      );
      return entry;
    });
  }

  async entries(): Promise<LedgerEntry[]> {
    return this.#select('SELECT * FROM kfm_ledger_entries ORDER BY seq');
  }

  async entriesFor(slug: string, dvid?: string): Promise<LedgerEntry[]> {
    return dvid === undefined
      ? this.#select('SELECT * FROM kfm_ledger_entries WHERE dataset_slug = $1 ORDER BY seq', [slug])
      : this.#select('SELECT * FROM kfm_ledger_entries WHERE dataset_slug = $1 AND dataset_version_id = $2 ORDER BY seq', [slug, dvid]);
  }

  async head(): Promise<LedgerHead> {
    return headOf((await this.#select('SELECT * FROM kfm_ledger_entries ORDER BY seq DESC LIMIT 1'))[0]);
  }

  async ledgerId(): Promise<Digest | null> {
    return ledgerIdOf((await this.#select('SELECT * FROM kfm_ledger_entries WHERE seq = 1'))[0]);
  }

  async close(): Promise<void> {
    await this.db.end();
  }

  async #select(sql: string, params: unknown[] = []): Promise<LedgerEntry[]> {
    if (!(await this.db.ready())) return [];
    return (await this.db.query<LedgerEntryRow>('cannot read the audit ledger', sql, params)).rows.map(ledgerEntryFromRow);
  }
}

