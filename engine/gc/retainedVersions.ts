import type { DatasetVersionStatus } from '../../core/datasetVersionStatus.js';
import type { DatasetRegistry } from '../../store/registry/datasetRegistry.js';

/** Whether kfm gc keeps a registered version's bytes, and why. */
export interface VersionRetention {
  dataset_slug: string;
  dataset_version_id: string;
  status: DatasetVersionStatus;
  retained: boolean;
  /** `all`: no --keep-last; `latest`: the registry's latest_version_id; `status`: candidate or published; `recent`: among the n most recent; `dropped`: none of these. */
  why: 'all' | 'latest' | 'status' | 'recent' | 'dropped';
}

/** `slug@dvid`: how gc names a version in its sets. */
export const versionKey = (slug: string, dvid: string): string => `${slug}@${dvid}`;

/**
 * Which registered versions kfm gc retains. Without `keepLast`, every one. With it, per
 * dataset: the `keepLast` most recent by ledger order (a version's first ledger entry;
 * one with no entry yet counts as newest, in registry order), and always the
 * `latest_version_id` and every `candidate` or `published` version. Only a superseded or
 * quarantined version beyond the most recent `keepLast` is dropped.
 */
export function retainedVersions(registries: readonly DatasetRegistry[], firstSeq: ReadonlyMap<string, number>, keepLast: number | undefined): VersionRetention[] {
  const out: VersionRetention[] = [];
  for (const r of registries) {
    const order = r.versions
      .map((v, i) => ({ v, i, seq: firstSeq.get(versionKey(r.dataset_slug, v.dataset_version_id)) ?? Number.POSITIVE_INFINITY }))
      .sort((a, b) => (a.seq === b.seq ? a.i - b.i : a.seq < b.seq ? -1 : 1));
    const recent = new Set(keepLast === undefined ? [] : order.slice(Math.max(0, order.length - keepLast)).map((o) => o.v.dataset_version_id));
    for (const { v } of order) {
      const why: VersionRetention['why'] =
        keepLast === undefined
          ? 'all'
          : v.dataset_version_id === r.latest_version_id
            ? 'latest'
            : v.status === 'candidate' || v.status === 'published'
              ? 'status'
              : recent.has(v.dataset_version_id)
                ? 'recent'
                : 'dropped';
      out.push({ dataset_slug: r.dataset_slug, dataset_version_id: v.dataset_version_id, status: v.status, retained: why !== 'dropped', why });
    }
  }
  return out;
}
