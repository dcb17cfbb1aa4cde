import { pathExists } from '../../core/pathExists.js';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ContentStore } from '../../store/contentStore.js';
import { linkEntry } from '../../store/dataTree.js';
import { intactEntries } from '../../store/ledger/intactEntries.js';
import { LEDGER_KIND_RUN_RECEIPT, type LedgerEntry } from '../../store/ledger/ledger.js';
import { parseRunId, receiptFileName } from '../../store/receipts/runReceipt.js';
import type { Digest } from '../../core/digest.js';
import { KfmError } from '../../core/error.js';
import { SLUG_RE } from '../../core/spec.js';
import { openProjectLock, openProjectStore } from '../load/openSeams.js';
import type { ProjectPaths } from '../load/projectPaths.js';
import { dataTreeSettings } from '../versions/dataTreeSettings.js';
import type { EventSink } from '../run/event.js';
import { claimedReceipt, readLedgerEntries } from './ledgerReader.js';
import { completePromotions } from './completePromotions.js';
import { repairPromotionFiles } from './repairPromotionFiles.js';
import { registryFile } from '../../store/registry/datasetRegistry.js';

const DVID_RE = /^[0-9A-Za-z_-]+\.[0-9a-f]{8}(\.[0-9a-f]{8})?$/;

/** A receipt file the ledger can give back: its path under data/ and the envelope text it holds. */
export interface DerivableReceiptFile {
  seq: number;
  /** Relative to data/: `catalog/<slug>/<dvid>/receipts/<run>.json`. */
  path: string;
  envelope: string;
}

/**
 * The receipt files that are missing under data/ although the ledger holds their signed
 * envelopes in its intact prefix (store/ledger/intactEntries.ts): what a build killed
 * between its ledger appends and its receipt files leaves. A file is only derived from an
 * entry whose receipt names a safe slug, dataset version id and run id; the first entry of
 * a run id wins (a replay is verification's business).
 */
export function derivableReceiptFiles(rows: readonly LedgerEntry[], dataDir: string): DerivableReceiptFile[] {
  const intact = intactEntries(rows);
  const seen = new Set<string>();
  const out: DerivableReceiptFile[] = [];
  for (const row of rows) {
    if (!intact.has(row.seq) || row.kind !== LEDGER_KIND_RUN_RECEIPT) continue;
    const claim = claimedReceipt(row);
    const { dataset_slug: slug, dataset_version_id: dvid, run_id: runId } = claim ?? {};
    if (typeof slug !== 'string' || !SLUG_RE.test(slug) || typeof dvid !== 'string' || !DVID_RE.test(dvid)) continue;
    if (typeof runId !== 'string' || !parseRunId(runId) || seen.has(runId)) continue;
    seen.add(runId);
    const path = `catalog/${slug}/${dvid}/receipts/${receiptFileName(runId)}`;
    if (pathExists(join(dataDir, path))) continue;
    out.push({ seq: row.seq, path, envelope: row.envelope });
  }
  return out;
}

/**
 * Writes the derivable receipt files (derivableReceiptFiles) back, as the receipt writer
 * does: the envelope's bytes into the content store (flushed), then a link under data/.
 * The caller holds the project lock. Returns the paths written, relative to data/.
 */
export async function repairReceiptFiles(paths: ProjectPaths, store: ContentStore, rows?: readonly LedgerEntry[]): Promise<string[]> {
  const missing = derivableReceiptFiles(rows ?? (await readLedgerEntries(paths.kfmDir)), paths.dataDir);
  if (missing.length === 0) return [];
  const files: { path: string; digest: Digest }[] = [];
  for (const m of missing) files.push({ path: m.path, digest: (await store.put(Buffer.from(`${m.envelope}\n`, 'utf8'))).digest });
  await store.flush(files.map((f) => f.digest));
  // Receipt files are written as copies, as the receipt writer writes them without a kfmfile setting.
  const tree = dataTreeSettings(paths.kfmDir, 'copy');
  for (const f of files) await linkEntry(paths.dataDir, store, f, tree);
  return files.map((f) => f.path);
}

/**
 * `kfm receipts verify --repair`: under the project lock (waiting for a running build),
 * re-materialises missing receipt files from the ledger (repairReceiptFiles).
 */
export async function repairProjectReceipts(paths: ProjectPaths, options: { onLockWait?: (holder: string) => void } = {}): Promise<string[]> {
  mkdirSync(paths.kfmDir, { recursive: true });
  const lock = openProjectLock(paths.kfmDir);
  try {
    await lock.acquire('kfm receipts verify --repair', options.onLockWait ?? (() => undefined));
    return await repairReceiptFiles(paths, openProjectStore(paths));
  } finally {
    await lock.close();
  }
}


/**
 * What a build does first, under the project lock: repairReceiptFiles, then
 * completePromotions and repairPromotionFiles (what a killed `kfm promote` left), each
 * said as an `audit-notice` when it wrote anything.
 */
export async function repairAtBuildStart(paths: ProjectPaths, store: ContentStore, onEvent: EventSink): Promise<void> {
  let repaired: string[];
  let rows: LedgerEntry[];
  try {
    rows = await readLedgerEntries(paths.kfmDir);
    repaired = await repairReceiptFiles(paths, store, rows);
  } catch (e) {
    // A ledger this build cannot read stops a versioned build when it appends (with that
    // error), and `kfm receipts verify` reports it; an unversioned build has no business
    // failing, or warning, over it.
    if (!(e instanceof KfmError)) throw e;
    return;
  }
  const n = repaired.length;
  if (n > 0) {
    onEvent({
      type: 'audit-notice',
      message: `re-materialised ${n} receipt file${n === 1 ? '' : 's'} from the audit ledger (an interrupted build left ${n === 1 ? 'it' : 'them'} unwritten): ${repaired.map((p) => `data/${p}`).join(', ')}`,
    });
  }
  for (const c of completePromotions(paths.root, rows)) {
    onEvent({
      type: 'audit-notice',
      message: `completed the promotion of ${c.slug}@${c.datasetVersionId} (ledger seq ${c.seq}) in ${registryFile(c.slug)}: an interrupted kfm promote signed it but left the registry unchanged`,
    });
  }
  const manifests = await repairPromotionFiles(paths, store, rows);
  if (manifests.length > 0) {
    onEvent({ type: 'audit-notice', message: `wrote back ${manifests.map((p) => `data/${p}`).join(', ')} from the content store (an interrupted kfm promote signed ${manifests.length === 1 ? 'it' : 'them'} but left ${manifests.length === 1 ? 'it' : 'them'} unwritten)` });
  }
}
