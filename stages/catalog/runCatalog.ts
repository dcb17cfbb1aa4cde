import { mkdirSync } from 'node:fs';
import { systemClock, type Clock } from '../../core/clock.js';
import type { Digest } from '../../core/digest.js';
import { KfmError } from '../../core/error.js';
import { parseVersionTarget } from '../../engine/graph/versionTarget.js';
import { openLedger, openProjectLock, openProjectStore, openVersionStore } from '../../engine/load/openSeams.js';
import type { ProjectPaths } from '../../engine/load/projectPaths.js';
import { actorOf } from '../../engine/receipts/actor.js';
import { pinSigningKey } from '../../engine/receipts/pinSigningKey.js';
import { receiptEnvironment } from '../../engine/receipts/receiptEnvironment.js';
import { ReceiptWriter } from '../../engine/receipts/receiptWriter.js';
import { dataTreeSettings } from '../../engine/versions/dataTreeSettings.js';
import type { DataTreeLink } from '../../core/kfmConfig.js';
import { readRegistry } from '../../store/registry/datasetRegistry.js';
import type { CatalogProblem } from './catalogCheck.js';
import { catalogKey } from './catalogKey.js';
import { loadCatalogSources } from './loadCatalogSources.js';
import { writeCatalog } from './writeCatalog.js';
import { catalogConflict } from './catalogConflict.js';
import { readCatalogRecord } from './catalogRecord.js';
import { generateCatalog } from './generateCatalog.js';
import { versionFilesZone } from './versionFilesZone.js';
import type { VersionZone } from '../../core/versionZones.js';

/** The format of `kfm catalog --json` (schemas/catalog-report.schema.json). */
export const CATALOG_REPORT_VERSION = 'v1';

export interface CatalogReport {
  kfm_catalog_report_version: typeof CATALOG_REPORT_VERSION;
  dataset_slug: string;
  dataset_version_id: string;
  /** `valid`: every check passed (exit 0); `invalid`: see problems (exit 1). */
  status: 'valid' | 'invalid';
  key: Digest;
  files: { path: string; digest: Digest; media_type: string }[];
  receipt: { run_id: string; seq: number; path: string };
  problems: CatalogProblem[];
}

export interface RunCatalogOptions {
  /** The kfmfile's `catalog.baseUrl` (default `kfm://data/`). */
  baseUrl: string;
  /** The kfmfile's `dataTree.link`. */
  dataTreeLink?: DataTreeLink | undefined;
  actor?: { principal?: string; role?: string };
  onLockWait?: (holder: string) => void;
  onNotice?: (message: string) => void;
  clock?: Clock;
  env?: NodeJS.ProcessEnv;
}

/**
 * `kfm catalog <slug>@<dvid>` (runbook procedure B): under the project lock, generates the
 * version's catalog again from its records, validates all of it (SHACL included), and signs
 * a `catalog` receipt. The same records give the same bytes: a catalog that is intact stays
 * byte for byte as it was, an edited or deleted file is restored. An unknown dataset or
 * version is a usage error (exit 2); a quarantined one is refused (exit 1).
 */
export async function runCatalog(paths: ProjectPaths, targetText: string, options: RunCatalogOptions): Promise<CatalogReport> {
  const target = parseVersionTarget(targetText);
  const dvid = target.datasetVersionId;
  if (dvid === undefined) throw new KfmError('usage', `kfm catalog needs <dataset>@<dataset_version_id> (e.g. ks_counties@2017.a50d8993), not "${targetText}"`);
  const { slug } = target;
  const status: string | undefined = readRegistry(paths.root, slug)?.versions.find((v) => v.dataset_version_id === dvid)?.status;
  if (status === 'quarantined') throw new KfmError('check', `${slug}@${dvid} is quarantined: nothing quarantined is catalogued`);
  mkdirSync(paths.kfmDir, { recursive: true });
  const lock = openProjectLock(paths.kfmDir);
  try {
    await lock.acquire(`kfm catalog ${targetText}`, options.onLockWait ?? (() => undefined));
    return await catalogLocked(paths, slug, dvid, versionFilesZone(paths.dataDir, slug, dvid, status), options);
  } finally {
    await lock.close();
  }
}

/**
 * The one path that catalogues a quarantined version: `kfm promote --override` by the
 * policy's override role, already holding the project lock, generates, validates and
 * receipts the catalog of the version's files where they are, under
 * `quarantine/<slug>/<dvid>/` (the catalog's links and the receipt's inputs name those
 * paths), so that gate D can judge it. A build and plain `kfm catalog` still refuse.
 */
export async function catalogForOverride(paths: ProjectPaths, slug: string, dvid: string, options: RunCatalogOptions): Promise<CatalogReport> {
  return catalogLocked(paths, slug, dvid, 'quarantine', options, true);
}

async function catalogLocked(paths: ProjectPaths, slug: string, dvid: string, zone: VersionZone, options: RunCatalogOptions, forOverride = false): Promise<CatalogReport> {
  const store = openProjectStore(paths);
  const versions = openVersionStore(paths);
  const { kfmDir } = paths;
  const writer = new ReceiptWriter({ projectRoot: paths.root, kfmDir, openLedger: () => openLedger(kfmDir), ...(options.env ? { env: options.env } : {}) });
  try {
    const sources = await loadCatalogSources({
      slug,
      dvid,
      projectRoot: paths.root,
      dataDir: paths.dataDir,
      versions,
      store,
      entries: await writer.entriesFor(slug, dvid),
      baseUrl: options.baseUrl,
      zone,
    });
    pinSigningKey(paths.root, writer.key, (e) => (e.type === 'audit-notice' ? options.onNotice?.(e.message) : undefined));
    const key = catalogKey(sources);
    const files = await generateCatalog(sources);
    const conflict = catalogConflict(files, readCatalogRecord(kfmDir, slug, dvid));
    if (conflict !== undefined) throw new KfmError('check', `${slug}@${dvid}: ${conflict}`);
    const now = (options.clock ?? systemClock).now();
    const written = await writeCatalog({
      paths,
      sources,
      files,
      key,
      store,
      dataTree: dataTreeSettings(kfmDir, options.dataTreeLink),
      receipts: writer,
      actor: actorOf(options.actor),
      environment: receiptEnvironment(paths.root),
      mode: 'retry',
      modeReason: !forOverride ? `kfm catalog: catalog generation re-run for ${slug}@${dvid} (runbook procedure B)` : `kfm promote --override: catalog of the quarantined ${slug}@${dvid} (its files under data/quarantine/), for gate D`,
      seed: now.toISOString(),
      now,
      rdf: true,
    });
    const receiptPath = written.paths[written.paths.length - 1]!;
    return {
      kfm_catalog_report_version: CATALOG_REPORT_VERSION,
      dataset_slug: slug,
      dataset_version_id: dvid,
      status: written.check.problems.length === 0 ? 'valid' : 'invalid',
      key,
      files: written.files.map((f) => ({ path: `data/${f.path}`, digest: f.digest, media_type: f.media_type })),
      receipt: { run_id: written.receipt.runId, seq: written.receipt.seq, path: `data/${receiptPath}` },
      problems: written.check.problems,
    };
  } finally {
    await writer.close();
    await versions.close();
  }
}
