import type { BuildRerunMode } from '../../core/buildRerunMode.js';
import type { Digest } from '../../core/digest.js';
import type { ProjectPaths } from '../../engine/load/projectPaths.js';
import type { Actor } from '../../engine/receipts/actor.js';
import type { ReceiptEnvironment } from '../../engine/receipts/datasetReceipts.js';
import type { ReceiptWriter } from '../../engine/receipts/receiptWriter.js';
import type { ContentStore } from '../../store/contentStore.js';
import { linkEntry, type DataTreeSettings } from '../../store/dataTree.js';
import type { CatalogCheck } from './catalogCheck.js';
import { CATALOG_CHECKS, catalogReceipt } from './catalogReceipt.js';
import { writeCatalogRecord } from './catalogRecord.js';
import type { CatalogFile, CatalogSources } from './catalogSources.js';
import { checkCatalog } from './checkCatalog.js';

export interface WriteCatalogArgs {
  paths: ProjectPaths;
  sources: CatalogSources;
  /** generateCatalog(sources). */
  files: CatalogFile[];
  key: Digest;
  store: ContentStore;
  dataTree: DataTreeSettings;
  receipts: ReceiptWriter;
  actor: Actor;
  environment: ReceiptEnvironment;
  mode: BuildRerunMode;
  modeReason: string;
  /** Seeds the receipt's run id (the build's run id, or the command's). */
  seed: string;
  now: Date;
  /** Check the catalog as RDF with SHACL too (`kfm catalog`; the build leaves it out: checkCatalog.ts). */
  rdf: boolean;
}

export interface WrittenCatalog {
  files: CatalogFile[];
  check: CatalogCheck;
  receipt: { runId: string; seq: number };
  /** Under data/: the catalog files and the receipt's file. */
  paths: string[];
}

/**
 * Makes a version's generated catalog the record: the files go into the content
 * store (flushed before anything names them), are linked under `data/catalog/<slug>/<dvid>/`
 * as the data tree settings say (a file someone edited is moved aside and restored), are
 * validated (checkCatalog), and a `catalog` receipt naming them and the validation is signed
 * into the ledger; last, the key is recorded (catalogRecord.ts). The same sources give the
 * same files, so regenerating an intact catalog writes nothing new under data/.
 */
export async function writeCatalog(a: WriteCatalogArgs): Promise<WrittenCatalog> {
  const startedAt = new Date();
  const files = a.files;
  for (const f of files) {
    const put = await a.store.put(f.bytes);
    if (put.digest !== f.digest) throw new Error(`internal: ${f.path} was stored as ${put.digest}, not ${f.digest}`);
  }
  await a.store.flush(files.map((f) => f.digest));
  for (const f of files) await linkEntry(a.paths.dataDir, a.store, { path: f.path, digest: f.digest }, a.dataTree);
  const check = await checkCatalog(a.paths, a.sources.slug, a.sources.dvid, { rdf: a.rdf });
  const receipt = catalogReceipt({
    sources: a.sources,
    files,
    key: a.key,
    check,
    checks: CATALOG_CHECKS.filter((c) => a.rdf || c !== 'shacl'),
    mode: a.mode,
    modeReason: a.modeReason,
    actor: a.actor,
    environment: a.environment,
    seed: a.seed,
    startedAt,
    endedAt: new Date(),
    now: a.now,
  });
  const recorded = await a.receipts.record({ receipts: [receipt], inputFiles: [], store: a.store, dataDir: a.paths.dataDir, dataTree: a.dataTree });
  const seq = recorded.seqs[0]!;
  writeCatalogRecord(a.paths.kfmDir, {
    kfm_catalog_record_version: 'v1',
    dataset_slug: a.sources.slug,
    dataset_version_id: a.sources.dvid,
    key: a.key,
    files: files.map((f) => ({ path: f.path, digest: f.digest, media_type: f.media_type })),
    receipt: { run_id: receipt.run_id, seq },
  });
  return { files, check, receipt: { runId: receipt.run_id, seq }, paths: [...files.map((f) => f.path), ...recorded.paths] };
}
