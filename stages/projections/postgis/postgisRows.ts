import type pg from 'pg';
import { canonicalJson } from '../../../core/canonicalJson.js';
import type { Digest } from '../../../core/digest.js';
import type { ProjectedVersion } from '../projectedVersion.js';
import { searchText } from '../searchText.js';
import type { ProjectedFeature } from '../versionFeatures.js';
import { copyRows } from './copyRows.js';
import { geometryEwkt } from './geometryEwkt.js';

/** Removes a version's rows (features, search rows, its record). */
export async function deleteVersionRows(client: pg.Client, s: string, slug: string, dvid: string): Promise<void> {
  for (const table of ['features', 'search', 'dataset_versions']) {
    await client.query(`DELETE FROM ${s}.${table} WHERE dataset_slug = $1 AND dataset_version_id = $2`, [slug, dvid]);
  }
}

/** Writes a version's record, and its features and search rows with COPY (inside the caller's transaction). */
export async function insertVersionRows(client: pg.Client, s: string, version: ProjectedVersion, features: ProjectedFeature[], digest: Digest): Promise<void> {
  const extents = canonicalJson(version.extents);
  await client.query(
    `INSERT INTO ${s}.dataset_versions (dataset_slug, dataset_version_id, title, spec_hash, produced_at, policy_label, extents, qa_summary, feature_count, load_digest)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [version.dataset_slug, version.dataset_version_id, version.title, version.spec_hash, version.produced_at, version.policy_label, extents, canonicalJson(version.qa_summary), features.length, digest],
  );
  const featureColumns = ['dataset_slug', 'dataset_version_id', 'artifact_digest', 'feature_index', 'feature_id', 'evidence_ref', 'geom', 'properties'];
  await copyRows(client, `${s}.features`, featureColumns, features, (f) => [
    f.dataset_slug, f.dataset_version_id, f.artifact_digest, f.feature_index, f.feature_id, f.evidence_ref,
    f.geometry === null ? null : geometryEwkt(f.geometry),
    f.properties === null ? null : JSON.stringify(f.properties),
  ]);
  const searchColumns = ['dataset_slug', 'dataset_version_id', 'artifact_digest', 'evidence_ref', 'policy_label', 'extents', 'text'];
  await copyRows(client, `${s}.search`, searchColumns, features, (f) => [
    f.dataset_slug, f.dataset_version_id, f.artifact_digest, f.evidence_ref, version.policy_label, extents, searchText(f.properties),
  ]);
}

/** Makes a version the dataset's projected one (its title and label with it). */
export async function pointDatasetAt(client: pg.Client, s: string, v: Pick<ProjectedVersion, 'dataset_slug' | 'dataset_version_id' | 'title' | 'policy_label'>): Promise<void> {
  await client.query(
    `INSERT INTO ${s}.datasets (dataset_slug, title, policy_label, latest_version_id) VALUES ($1, $2, $3, $4)
     ON CONFLICT (dataset_slug) DO UPDATE SET title = excluded.title, policy_label = excluded.policy_label, latest_version_id = excluded.latest_version_id`,
    [v.dataset_slug, v.title, v.policy_label, v.dataset_version_id],
  );
}

/** Records a dataset that has no projected version yet. */
export async function ensureDataset(client: pg.Client, s: string, v: Pick<ProjectedVersion, 'dataset_slug' | 'title' | 'policy_label'>): Promise<void> {
  await client.query(`INSERT INTO ${s}.datasets (dataset_slug, title, policy_label, latest_version_id) VALUES ($1, $2, $3, NULL) ON CONFLICT (dataset_slug) DO NOTHING`, [
    v.dataset_slug, v.title, v.policy_label,
  ]);
}
