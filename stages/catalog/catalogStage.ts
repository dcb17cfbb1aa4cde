import { projectPaths } from '../../engine/load/projectPaths.js';
import type { VersionStage, VersionStageArgs, VersionStageOutcome } from '../../engine/versions/versionStage.js';
import { linkEntry } from '../../store/dataTree.js';
import { readRegistry } from '../../store/registry/datasetRegistry.js';
import { catalogKey } from './catalogKey.js';
import { DEFAULT_CATALOG_BASE_URL } from './catalogLayout.js';
import { readCatalogRecord } from './catalogRecord.js';
import { loadCatalogSources } from './loadCatalogSources.js';
import { writeCatalog } from './writeCatalog.js';
import { catalogConflict } from './catalogConflict.js';
import { generateCatalog } from './generateCatalog.js';
import { versionFilesZone } from './versionFilesZone.js';

/** The catalog stage's name: reported as `<slug>/kfm:catalog`. */
export const CATALOG_STAGE = 'kfm:catalog';

/**
 * CatGen as a keyed stage of `kfm build` (engine/versions/versionStage.ts): after a
 * version's receipts are recorded, its catalog key (catalogKey.ts) is computed from its
 * sources; when it is the recorded one and every recorded file is still in the store, the
 * stage is `cached` (files missing or edited under data/ are restored from the store, nothing
 * is signed), else the catalog is generated, validated and receipted (writeCatalog.ts). A
 * `quarantined` version is `skipped`: nothing quarantined is catalogued as publishable (one an
 * override promoted is catalogued where its files are, under quarantine/: versionFilesZone.ts).
 */
export function catalogStage(): VersionStage {
  return { name: CATALOG_STAGE, run: runCatalogStage };
}

async function runCatalogStage(a: VersionStageArgs): Promise<VersionStageOutcome> {
  const { slug, datasetVersionId: dvid } = a;
  const status: string | undefined = readRegistry(a.projectRoot, slug)?.versions.find((v) => v.dataset_version_id === dvid)?.status;
  if (status === 'quarantined') return { status: 'skipped', key: null, reason: 'the version is quarantined', paths: [], receipt: null, problems: null };
  const sources = await loadCatalogSources({
    slug,
    dvid,
    projectRoot: a.projectRoot,
    dataDir: a.dataDir,
    versions: a.versions,
    store: a.store,
    entries: await a.receipts.entriesFor(slug, dvid),
    baseUrl: a.graph.catalogBaseUrl ?? DEFAULT_CATALOG_BASE_URL,
    zone: versionFilesZone(a.dataDir, slug, dvid, status),
  });
  const key = catalogKey(sources);
  const record = readCatalogRecord(a.kfmDir, slug, dvid);
  const stored = record ? (await Promise.all(record.files.map((f) => a.store.has(f.digest)))).every(Boolean) : false;
  if (record?.key === key && stored) {
    for (const f of record.files) await linkEntry(a.dataDir, a.store, f, a.dataTree);
    return { status: 'cached', key, reason: 'its key is unchanged', paths: record.files.map((f) => f.path), receipt: null, problems: null };
  }
  const reason = !record ? 'no catalog recorded for the version yet' : record.key !== key ? 'its key changed' : 'some of its files are gone from the store';
  const files = await generateCatalog(sources);
  const conflict = catalogConflict(files, record);
  if (conflict !== undefined) return { status: 'skipped', key, reason: conflict, paths: [], receipt: null, problems: null };
  const written = await writeCatalog({
    paths: projectPaths(a.graph.kfmfile),
    sources,
    files,
    key,
    store: a.store,
    dataTree: a.dataTree,
    receipts: a.receipts,
    actor: a.actor,
    environment: a.environment(),
    mode: a.mode,
    modeReason: `${a.modeReason}; catalog: ${reason}`,
    seed: a.runId,
    now: new Date(a.now),
    rdf: false,
  });
  return { status: 'executed', key, reason, paths: written.paths, receipt: written.receipt, problems: written.check.problems.length };
}
