/**
 * A project on disk for receipt and ledger tests: a temp dir with a per-user config dir
 * (the signing key), `project/.kfm/{store,ledger.db,keys}` and `project/data/catalog`.
 * `record()` stores an input, an output and a QA report, signs a receipt naming them,
 * appends it to the ledger and writes its receipt file, as a build would.
 * `attacker()` is a second SQLite connection with the ledger's triggers dropped: someone
 * with write access to the file.
 */
import Database from 'better-sqlite3';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalDigest } from '../../core/canonicalJson.js';
import { sha256, type Digest } from '../../core/digest.js';
import { FileContentStore } from '../../store/contentStore.js';
import { LEDGER_KIND_RUN_RECEIPT, type LedgerEntry } from '../../store/ledger/ledger.js';
import { SqliteLedger } from '../../store/ledger/sqliteLedger.js';
import { serializeEnvelope, signStatement, type DsseEnvelope } from '../../store/receipts/dsse.js';
import { receiptStatement } from '../../store/receipts/inTotoStatement.js';
import { artifactIdOf, receiptFileName, runId, type RunReceipt } from '../../store/receipts/runReceipt.js';
import { loadOrCreateSigningKey, type SigningKey } from '../../store/receipts/signingKey.js';
import { loadTrustedKeys, trustPublicKey, type TrustedKeys } from '../../store/receipts/trustedKeys.js';

export const T0 = Date.UTC(2026, 2, 2, 14, 15, 0);

/** A valid receipt; `n` varies every digest and the run id. */
export function sampleReceipt(
  n: number,
  digests: { input: Digest; output: Digest; report: Digest },
  slug = 'ks_counties',
): RunReceipt {
  const specHash = sha256(`spec of ${slug}`);
  const dvid = `2017.${specHash.slice(7, 15)}`;
  const parameters = { year: 2017, simplify: 0.001, n };
  return {
    kfm_run_receipt_version: 'v1',
    run_id: runId(new Date(T0 + n * 60_000), slug, sha256(`seed ${n}`)),
    operation: 'transform',
    mode: 'new',
    mode_reason: 'first version of slice 2017',
    actor: { principal: 'svc:kfm-ci', role: 'pipeline' },
    dataset_slug: slug,
    dataset_version_id: dvid,
    spec_hash: specHash,
    inputs: [{ artifact_id: artifactIdOf(digests.input), zone: 'raw', uri: `raw/${slug}/0123456789abcdef/source.json`, digest: digests.input }],
    outputs: [
      {
        artifact_id: artifactIdOf(digests.output),
        zone: 'processed',
        path: `processed/${slug}/${dvid}/out-${n}.geojson`,
        digest: digests.output,
        media_type: 'application/geo+json',
      },
    ],
    environment: {
      git_commit: 'a'.repeat(40),
      runtime: { kfm_version: '0.1.0', node_version: 'v20.20.0', platform: 'linux-x64' },
      params_digest: canonicalDigest(parameters),
      parameters,
    },
    validation: { status: 'pass', reports: [{ name: 'geometry_valid', status: 'pass', value: 1 }], report_digest: digests.report },
    policy: { policy_label: 'public', decision_id: 'kfm://policy_decision/default-allow-public', obligations: [] },
    timestamps: { started_at: '2026-03-02T14:15:00Z', ended_at: '2026-03-02T14:15:02.500Z' },
    created_at: '2026-03-02T14:15:03Z',
    node: `${slug}/transform`,
    node_key: sha256(`key ${n}`),
  };
}

export class ReceiptRig {
  readonly dir = mkdtempSync(join(tmpdir(), 'kfm-receipts-'));
  readonly configDir = join(this.dir, 'config');
  readonly root = join(this.dir, 'project');
  readonly kfmDir = join(this.root, '.kfm');
  readonly catalogDir = join(this.root, 'data', 'catalog');
  readonly ledgerPath = join(this.kfmDir, 'ledger.db');
  readonly store: FileContentStore;
  readonly key: SigningKey;
  readonly ledger: SqliteLedger;
  readonly receipts: RunReceipt[] = [];
  readonly #open: { close(): void }[] = [];
  #tick = 0;

  constructor() {
    mkdirSync(this.kfmDir, { recursive: true });
    this.store = new FileContentStore(join(this.kfmDir, 'store'));
    this.key = loadOrCreateSigningKey({ env: { XDG_CONFIG_HOME: this.configDir, HOME: this.dir }, projectRoot: this.root });
    trustPublicKey(this.kfmDir, this.key);
    this.ledger = this.track(new SqliteLedger(this.ledgerPath, { now: () => new Date(T0 + this.#tick++ * 1000) }));
  }

  get trusted(): TrustedKeys {
    return loadTrustedKeys(this.kfmDir);
  }

  track<T extends { close(): void }>(x: T): T {
    this.#open.push(x);
    return x;
  }

  /** Stores the bytes of receipt `n`, signs it, appends it, writes its receipt file. */
  record(n: number, options: { slug?: string; key?: SigningKey; edit?: (r: RunReceipt) => void; file?: boolean } = {}): LedgerEntry {
    const put = (what: string) => this.store.putBytes(Buffer.from(`${what} ${n}\n`)).digest;
    const receipt = sampleReceipt(n, { input: put('input'), output: put('output'), report: put('report') }, options.slug);
    options.edit?.(receipt);
    this.receipts.push(receipt);
    const envelope = signStatement(receiptStatement(receipt), options.key ?? this.key);
    const entry = this.ledger.append({ kind: LEDGER_KIND_RUN_RECEIPT, envelope });
    if (options.file !== false) this.writeReceiptFile(receipt, envelope);
    return entry;
  }

  receiptFilePath(receipt: RunReceipt): string {
    return join(this.catalogDir, receipt.dataset_slug, receipt.dataset_version_id, 'receipts', receiptFileName(receipt.run_id));
  }

  /** The receipt file's path relative to the catalog directory, as verifyLedger reports it. */
  receiptFileRel(receipt: RunReceipt): string {
    return `${receipt.dataset_slug}/${receipt.dataset_version_id}/receipts/${receiptFileName(receipt.run_id)}`;
  }

  writeReceiptFile(receipt: RunReceipt, envelope: DsseEnvelope): void {
    const path = this.receiptFilePath(receipt);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, serializeEnvelope(envelope) + '\n');
  }

  /** A connection to the ledger file with the append-only triggers dropped. */
  attacker(): Database.Database {
    const db = this.track(new Database(this.ledgerPath));
    db.exec('DROP TRIGGER entries_no_update; DROP TRIGGER entries_no_delete; DROP TRIGGER entries_extend_chain;');
    return db;
  }

  close(): void {
    for (const x of this.#open.splice(0).reverse()) {
      try {
        x.close();
      } catch {
        // already closed
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
