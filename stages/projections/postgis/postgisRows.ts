import type pg from 'pg';
import { canonicalJson } from '../../../core/canonicalJson.js';
import { digestHex, sha256, type Digest } from '../../../core/digest.js';
import type { Feature } from 'geojson';
import type { ProjectedVersion } from '../projectedVersion.js';
import { copyRows } from './copyRows.js';
import { FEATURE_COPY_COLUMNS, featureCopyLine } from './featureCopyLine.js';

/** An artifact's features, read from the store, as a load COPYs them (parsed as they are sent). */
export interface ArtifactRows {
  digest: Digest;
  count: number;
  features(): Iterable<Feature>;
}

/** A version's partition of `features`: names derived from its key (always plain identifiers). */
export function versionPartition(slug: string, dvid: string): { key: string; table: string } {
  const key = `${slug}@${dvid}`;
  return { key, table: `features_${digestHex(sha256(key)).slice(0, 20)}` };
}

/** Removes a version's rows: its partition (dropped) and its record. */
export async function deleteVersionRows(client: pg.Client, s: string, slug: string, dvid: string): Promise<void> {
  await client.query(`DROP TABLE IF EXISTS ${s}.${versionPartition(slug, dvid).table}`);
  await client.query(`DELETE FROM ${s}.dataset_versions WHERE dataset_slug = $1 AND dataset_version_id = $2`, [slug, dvid]);
}

/**
 * Writes a version's record and its features with their search text (inside the caller's
 * transaction, after deleteVersionRows): COPYed into a new table (one COPY per artifact,
 * its digest the column's default meanwhile), indexed, then attached as the version's
 * partition. Returns the rows the COPYs wrote.
 */
export async function insertVersionRows(client: pg.Client, s: string, version: ProjectedVersion, artifacts: ArtifactRows[], digest: Digest): Promise<number> {
  const featureCount = artifacts.reduce((n, a) => n + a.count, 0);
  await client.query(
    `INSERT INTO ${s}.dataset_versions (dataset_slug, dataset_version_id, title, spec_hash, produced_at, policy_label, extents, qa_summary, feature_count, load_digest)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [version.dataset_slug, version.dataset_version_id, version.title, version.spec_hash, version.produced_at, version.policy_label, canonicalJson(version.extents), canonicalJson(version.qa_summary), featureCount, digest],
  );
  const p = versionPartition(version.dataset_slug, version.dataset_version_id);
  const table = `${s}.${p.table}`;
  await client.query(`CREATE TABLE ${table} (LIKE ${s}.features INCLUDING DEFAULTS INCLUDING GENERATED)`);
  // The columns every row of the partition shares are its defaults, not COPY text.
  await client.query(
    `ALTER TABLE ${table} ALTER COLUMN version_key SET DEFAULT ${literal(p.key)}, ALTER COLUMN dataset_slug SET DEFAULT ${literal(version.dataset_slug)},
       ALTER COLUMN dataset_version_id SET DEFAULT ${literal(version.dataset_version_id)},
       ADD CONSTRAINT ${p.table}_version CHECK (version_key = ${literal(p.key)} AND dataset_slug = ${literal(version.dataset_slug)} AND dataset_version_id = ${literal(version.dataset_version_id)})`,
  );
  let copied = 0;
  for (const a of artifacts) {
    await client.query(`ALTER TABLE ${table} ALTER COLUMN artifact_digest SET DEFAULT ${literal(a.digest)}`);
    copied += await copyRows(client, table, FEATURE_COPY_COLUMNS, a.features(), featureCopyLine);
  }
  await client.query(`ALTER TABLE ${table} ALTER COLUMN artifact_digest DROP DEFAULT`);
  // Index builds (GIN above all) run faster with more than the default 64 MB; LOCAL: this transaction only.
  await client.query("SET LOCAL maintenance_work_mem = '512MB'");
  await client.query(`CREATE INDEX ON ${table} USING gist (geom)`);
  await client.query(`CREATE INDEX ON ${table} USING gin (tsv)`);
  // The CHECK constraint above implies the partition bound, so ATTACH skips its validating scan.
  await client.query(`ALTER TABLE ${s}.features ATTACH PARTITION ${table} FOR VALUES IN (${literal(p.key)})`);
  return copied;
}

/** A SQL string literal. */
const literal = (v: string) => `'${v.replaceAll("'", "''")}'`;

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
