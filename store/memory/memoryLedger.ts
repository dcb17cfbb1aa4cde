import type { Digest } from '../../core/digest.js';
import { chainEntry, headOf, ledgerIdOf, prepareAppend, type Ledger, type LedgerAppend, type LedgerEntry, type LedgerHead } from '../ledger/ledger.js';

/**
 * The Ledger fake: entries in an array, chained exactly as SqliteLedger chains them
 * (`chainEntry`), so the same appends at the same times give the same entries and hashes.
 * Answered asynchronously. `tamper` edits an entry behind the ledger's back, for tests of
 * verification.
 */
export class MemoryLedger implements Ledger {
  readonly #entries: LedgerEntry[] = [];
  readonly #now: () => Date;
  #closed = false;

  constructor(options: { now?: () => Date } = {}) {
    this.#now = options.now ?? (() => new Date());
  }

  async append(input: LedgerAppend): Promise<LedgerEntry> {
    this.#open();
    const prepared = prepareAppend(input);
    // Synchronous from here: no other append can interleave between reading the head and extending it.
    const entry = chainEntry(prepared, headOf(this.#entries.at(-1)), this.#now().toISOString());
    this.#entries.push(entry);
    return { ...entry };
  }

  async entries(): Promise<LedgerEntry[]> {
    this.#open();
    return this.#entries.map((e) => ({ ...e }));
  }

  async entriesFor(slug: string, dvid?: string): Promise<LedgerEntry[]> {
    this.#open();
    return this.#entries.filter((e) => e.datasetSlug === slug && (dvid === undefined || e.datasetVersionId === dvid)).map((e) => ({ ...e }));
  }

  async head(): Promise<LedgerHead> {
    this.#open();
    return headOf(this.#entries.at(-1));
  }

  async ledgerId(): Promise<Digest | null> {
    this.#open();
    return ledgerIdOf(this.#entries[0]);
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  /** Test hook: changes an entry in place (no chain is recomputed). */
  tamper(seq: number, change: Partial<LedgerEntry>): void {
    const i = this.#entries.findIndex((e) => e.seq === seq);
    if (i < 0) throw new Error(`tamper: no entry ${seq}`);
    this.#entries[i] = { ...this.#entries[i]!, ...change };
  }

  #open(): void {
    if (this.#closed) throw new Error('the ledger is closed');
  }
}
