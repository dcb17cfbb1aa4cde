import { pathExists } from '../../core/pathExists.js';
import { join } from 'node:path';
import type { ContentStore } from '../../store/contentStore.js';
import { linkEntry } from '../../store/dataTree.js';
import { intactEntries } from '../../store/ledger/intactEntries.js';
import { LEDGER_KIND_RUN_RECEIPT, type LedgerEntry } from '../../store/ledger/ledger.js';
import { isDigest, type Digest } from '../../core/digest.js';
import { SLUG_RE } from '../../core/spec.js';
import type { ProjectPaths } from '../load/projectPaths.js';
import { dataTreeSettings } from '../versions/dataTreeSettings.js';
import { claimedReceipt } from './ledgerReader.js';

/**
 * Writes back the files a granted promotion names under data/catalog/ (its promotion
 * manifest) when a killed `kfm promote` signed the receipt but did not link the file: each
 * `catalog` output of a granted promote receipt in the ledger's intact prefix that is
 * missing under data/ and whose bytes the content store holds. Returns the paths written,
 * relative to data/. The caller holds the project lock.
 */
export async function repairPromotionFiles(paths: ProjectPaths, store: ContentStore, rows: readonly LedgerEntry[]): Promise<string[]> {
  const intact = intactEntries(rows);
  const missing: { path: string; digest: Digest }[] = [];
  for (const row of rows) {
    if (!intact.has(row.seq) || row.kind !== LEDGER_KIND_RUN_RECEIPT) continue;
    const r = claimedReceipt(row);
    if (r?.operation !== 'promote' || r.validation?.status === 'fail' || typeof r.dataset_slug !== 'string' || !SLUG_RE.test(r.dataset_slug)) continue;
    for (const o of r.outputs ?? []) {
      const prefix = `catalog/${r.dataset_slug}/${String(r.dataset_version_id)}/`;
      if (o.zone !== 'catalog' || typeof o.path !== 'string' || !o.path.startsWith(prefix) || !isDigest(o.digest)) continue;
      if (o.path.slice(prefix.length).split('/').some((s) => s === '' || s === '.' || s === '..')) continue;
      if (pathExists(join(paths.dataDir, o.path)) || !(await store.has(o.digest))) continue;
      missing.push({ path: o.path, digest: o.digest });
    }
  }
  const tree = dataTreeSettings(paths.kfmDir, 'copy');
  for (const f of missing) await linkEntry(paths.dataDir, store, f, tree);
  return missing.map((f) => f.path);
}

