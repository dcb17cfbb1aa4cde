import { readRegistry, registeredSlugs, registryFile } from '../../store/registry/datasetRegistry.js';
import type { DatasetVersionStatus } from '../../core/datasetVersionStatus.js';
import type { Digest } from '../../core/digest.js';
import type { FailedCheck } from '../../core/failedCheck.js';
import { KfmError } from '../../core/error.js';
import { readLedgerEntries } from '../receipts/ledgerReader.js';
import type { LedgerEntry } from '../../store/ledger/ledger.js';
import type { ProjectPaths } from '../load/projectPaths.js';
import { targetMatches, type VersionTarget } from '../graph/versionTarget.js';

/** The format of `kfm status --json` (schemas/status-report.schema.json). */
export const STATUS_REPORT_VERSION = 'v2';

export interface VersionStatus {
  dataset_version_id: string;
  slice: string;
  spec_hash: Digest;
  inputs_digest: Digest;
  mode: string;
  /** A build makes a `candidate`; `kfm promote` publishes it. */
  status: DatasetVersionStatus;
  /** When the version's first receipt was recorded (the audit ledger); `unknown` when the ledger has none (a fresh clone). */
  created_at: string;
  /** Ledger entries recorded for the version: run receipts (retries included) and promotions. */
  receipts: number;
  /** It is the registry's latest_version_id (the published version readers use). */
  latest: boolean;
  /** A quarantined version's failed QA checks (the registry's). */
  failed_checks?: FailedCheck[];
}

export interface DatasetStatus {
  dataset_slug: string;
  title: string;
  policy_label: string;
  spec_hash: Digest;
  registry: string;
  /** Moved only by `kfm promote`; null until the first promotion. */
  latest_version_id: string | null;
  versions: VersionStatus[];
}

/**
 * `kfm status [target]`: each registered dataset's versions (from `registry/<slug>.json`,
 * oldest first) with their mode and status (candidate, published, …), which is the latest, and how many receipts the audit ledger holds
 * for each. Reads the registry and the ledger only.
 */
export async function datasetStatuses(paths: ProjectPaths, target?: VersionTarget, ledger?: readonly LedgerEntry[]): Promise<DatasetStatus[]> {
  const slugs = target ? [target.slug] : registeredSlugs(paths.root);
  const out: DatasetStatus[] = [];
  // Every dataset: the ledger read once (not once per dataset), its entries grouped by slug.
  // `ledger`: the entries a caller already read (kfm serve's lineage status reads them once).
  const all = ledger ?? (target ? undefined : await readLedgerEntries(paths.kfmDir));
  for (const slug of slugs) {
    const registry = readRegistry(paths.root, slug);
    if (!registry) throw new KfmError('usage', `dataset "${slug}" is not registered (no ${registryFile(slug)}): build a version of it, or run kfm check --update`);
    const receipts = new Map<string, number>();
    const firstRecorded = new Map<string, string>();
    for (const e of all ? all.filter((x) => x.datasetSlug === slug) : await readLedgerEntries(paths.kfmDir, slug)) {
      if (e.datasetVersionId === null) continue;
      receipts.set(e.datasetVersionId, (receipts.get(e.datasetVersionId) ?? 0) + 1);
      if (!firstRecorded.has(e.datasetVersionId)) firstRecorded.set(e.datasetVersionId, e.createdAt);
    }
    out.push({
      dataset_slug: slug,
      title: registry.title,
      policy_label: registry.policy_label,
      spec_hash: registry.spec_hash,
      registry: registryFile(slug),
      latest_version_id: registry.latest_version_id,
      versions: registry.versions
        .filter((v) => !target || targetMatches(target, slug, v.dataset_version_id))
        // The receipts anchor is the registry's concern (kfm receipts verify), not the status report's.
        .map(({ receipts_anchor: _anchor, ...v }) => ({
          ...v,
          // The version's first ledger entry (its build's receipts); an older registry's own time otherwise.
          created_at: firstRecorded.get(v.dataset_version_id) ?? v.created_at ?? 'unknown',
          receipts: receipts.get(v.dataset_version_id) ?? 0,
          latest: v.dataset_version_id === registry.latest_version_id,
        })),
    });
  }
  return out;
}
