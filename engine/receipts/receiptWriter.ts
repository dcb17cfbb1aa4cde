import { createReadStream } from 'node:fs';
import type { ContentStore } from '../../store/contentStore.js';
import { linkEntry, type DataTreeSettings } from '../../store/dataTree.js';
import { dataTreeSettings } from '../versions/dataTreeSettings.js';
import { LEDGER_KIND_RUN_RECEIPT, type Ledger, type LedgerEntry } from '../../store/ledger/ledger.js';
import { serializeEnvelope, signStatement } from '../../store/receipts/dsse.js';
import { receiptStatement } from '../../store/receipts/inTotoStatement.js';
import { receiptFileName, validateReceipt, type RunReceipt } from '../../store/receipts/runReceipt.js';
import { loadOrCreateSigningKey, type SigningKey } from '../../store/receipts/signingKey.js';
import { trustPublicKey } from '../../store/receipts/trustedKeys.js';
import type { Digest } from '../../core/digest.js';
import { KfmError } from '../../core/error.js';
import { crashPoint } from '../run/crashPoint.js';
import { addLocalAnchors, readLocalAnchors, type LocalAnchor } from '../../store/ledger/localAnchors.js';

/** What recording a dataset version's receipts wrote. */
export interface RecordedReceipts {
  /** The receipts' run ids, in order. */
  runIds: string[];
  /** Their ledger sequence numbers. */
  seqs: number[];
  /** Their ledger entry hashes. */
  entryHashes: string[];
  /** Their files, relative to data/. */
  paths: string[];
  /** The id of the ledger they were appended to (entry 1's hash: store/ledger/ledger.ts); null when nothing was. */
  ledgerId: Digest | null;
}

/**
 * Signs run receipts and records them: each is validated against its schema, wrapped as an
 * in-toto statement in a DSSE envelope signed with the project's Ed25519 key, appended to
 * the audit ledger (the Ledger seam: `openLedger`, engine/load/openSeams.ts), and written as
 * a file under `data/catalog/<slug>/<dvid>/receipts/` (a read-only link to the envelope in
 * the store). The key is loaded (or generated) and its public half trusted in `.kfm/keys/`
 * at construction; the ledger opens on first use. The first receipts this ledger records
 * for a version also become that version's local anchor (`.kfm/anchors.json`,
 * store/ledger/localAnchors.ts), which verify checks whatever ledger the committed anchor names.
 */
export class ReceiptWriter {
  readonly key: SigningKey;
  readonly #openLedger: () => Ledger;
  #ledger: Ledger | undefined;

  readonly #kfmDir: string;

  constructor(options: { projectRoot: string; kfmDir: string; openLedger: () => Ledger; env?: NodeJS.ProcessEnv }) {
    this.#openLedger = options.openLedger;
    this.key = loadOrCreateSigningKey({ projectRoot: options.projectRoot, ...(options.env ? { env: options.env } : {}) });
    trustPublicKey(options.kfmDir, this.key);
    this.#kfmDir = options.kfmDir;
  }

  /**
   * Records receipts. Declared input files go into the content store first (verification
   * finds every digest a receipt names there), and the store is flushed before the ledger
   * names anything: the ledger never points at bytes a power cut could lose.
   */
  async record(args: { receipts: RunReceipt[]; inputFiles: { absPath: string; digest: Digest }[]; store: ContentStore; dataDir: string; dataTree?: DataTreeSettings }): Promise<RecordedReceipts> {
    const { store } = args;
    for (const r of args.receipts) {
      const problems = validateReceipt(r);
      if (problems.length > 0) {
        throw new KfmError('store', `internal: the ${r.operation} receipt of ${r.node ?? r.dataset_slug} does not match its schema: ${problems.join('; ')}`);
      }
    }
    const stored: Digest[] = [];
    for (const f of args.inputFiles) {
      if (await store.has(f.digest)) continue;
      const put = await store.putStream(createReadStream(f.absPath));
      if (put.digest !== f.digest) {
        throw new KfmError('store', `input file ${f.absPath} changed during the build (hashed ${f.digest}, now ${put.digest}): build again`);
      }
      stored.push(put.digest);
    }
    if (stored.length > 0) await store.flush(stored);

    // Read first: an unreadable anchors file fails the build before anything is appended.
    readLocalAnchors(this.#kfmDir);
    this.#ledger ??= this.#openLedger();
    const out: RecordedReceipts = { runIds: [], seqs: [], entryHashes: [], paths: [], ledgerId: null };
    const last = new Map<string, LocalAnchor>();
    const files: { path: string; digest: Digest }[] = [];
    for (const r of args.receipts) {
      const envelope = signStatement(receiptStatement(r), this.key);
      const entry = await this.#ledger.append({ kind: LEDGER_KIND_RUN_RECEIPT, envelope });
      const file = await store.put(Buffer.from(`${serializeEnvelope(envelope)}\n`, 'utf8'));
      const path = `catalog/${r.dataset_slug}/${r.dataset_version_id}/receipts/${receiptFileName(r.run_id)}`;
      files.push({ path, digest: file.digest });
      out.runIds.push(r.run_id);
      out.seqs.push(entry.seq);
      out.entryHashes.push(entry.entryHash);
      out.ledgerId ??= entry.seq === 1 ? (entry.entryHash as Digest) : await this.#ledger.ledgerId();
      const at = { dataset_slug: r.dataset_slug, dataset_version_id: r.dataset_version_id, seq: entry.seq, entry_hash: entry.entryHash as Digest };
      last.set(`${r.dataset_slug}@${r.dataset_version_id}`, { ...at, ledger_id: out.ledgerId! });
      crashPoint('receipt-appended');
      out.paths.push(path);
    }
    await store.flush(files.map((f) => f.digest));
    const tree = args.dataTree ?? dataTreeSettings(this.#kfmDir, 'copy');
    for (const f of files) await linkEntry(args.dataDir, store, f, tree);
    crashPoint('receipts-written');
    addLocalAnchors(this.#kfmDir, [...last.values()]);
    return out;
  }

  /** The ledger's entries of a dataset version, by seq (through the writer's own connection: stages read what this build appended). */
  async entriesFor(slug: string, dvid: string): Promise<LedgerEntry[]> {
    this.#ledger ??= this.#openLedger();
    return this.#ledger.entriesFor(slug, dvid);
  }

  async close(): Promise<void> {
    const ledger = this.#ledger;
    this.#ledger = undefined;
    await ledger?.close();
  }
}
