import type pg from 'pg';
import { KfmError } from '../../../core/error.js';
import { PROJECTION_VERSION } from '../projectionVersion.js';

/** A schema name kfm creates its tables in: a plain SQL identifier. */
export const SCHEMA_RE = /^[a-z_][a-z0-9_]*$/;

/**
 * The PostGIS projection's tables, in their own schema: the SQLite projection's, with
 * `geom geometry(Geometry, 4326)` (generic: Polygon and MultiPolygon side by side) under a
 * GiST index, properties as jsonb, and each feature's search text with a generated
 * `tsvector` (the `simple` configuration: names are not stemmed) under a GIN index. The
 * `search` view gives each search row its dvid, artifact digest, EvidenceRef, policy
 * label, extents and text. `features` is partitioned by version (`version_key` =
 * `<slug>@<dvid>`): a load fills a new partition without indexes, indexes it, then
 * attaches it (postgisRows.ts), the bulk load PostgreSQL is fastest at. No btree on
 * (dataset_slug, dataset_version_id): each partition's CHECK constraint on them lets the
 * planner skip the other versions' partitions (constraint exclusion).
 */
function ddl(s: string): string {
  return `
CREATE SCHEMA IF NOT EXISTS ${s};
CREATE TABLE IF NOT EXISTS ${s}.meta (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE IF NOT EXISTS ${s}.datasets (
  dataset_slug text PRIMARY KEY, title text NOT NULL, policy_label text NOT NULL, latest_version_id text);
CREATE TABLE IF NOT EXISTS ${s}.dataset_versions (
  dataset_slug text NOT NULL, dataset_version_id text NOT NULL, title text NOT NULL, spec_hash text NOT NULL,
  produced_at text NOT NULL, policy_label text NOT NULL, extents jsonb NOT NULL, qa_summary jsonb NOT NULL,
  feature_count integer NOT NULL, load_digest text NOT NULL,
  PRIMARY KEY (dataset_slug, dataset_version_id));
CREATE TABLE IF NOT EXISTS ${s}.features (
  fid bigserial, version_key text NOT NULL, dataset_slug text NOT NULL, dataset_version_id text NOT NULL,
  artifact_digest text NOT NULL, feature_index integer NOT NULL, feature_id text,
  evidence_ref text GENERATED ALWAYS AS ('kfm://artifact/' || artifact_digest || '#' || feature_index::text) STORED,
  geom geometry(Geometry, 4326), properties jsonb, search_text text NOT NULL,
  tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', search_text)) STORED
) PARTITION BY LIST (version_key);
CREATE INDEX IF NOT EXISTS features_geom ON ${s}.features USING gist (geom);
CREATE INDEX IF NOT EXISTS features_tsv ON ${s}.features USING gin (tsv);
CREATE OR REPLACE VIEW ${s}.search AS
  SELECT f.dataset_slug, f.dataset_version_id, f.artifact_digest, f.evidence_ref, v.policy_label, v.extents, f.search_text AS text, f.tsv
  FROM ${s}.features f JOIN ${s}.dataset_versions v ON v.dataset_slug = f.dataset_slug AND v.dataset_version_id = f.dataset_version_id;
CREATE OR REPLACE VIEW ${s}.current_features AS
  SELECT f.* FROM ${s}.features f JOIN ${s}.datasets d
    ON d.dataset_slug = f.dataset_slug AND d.latest_version_id = f.dataset_version_id;
INSERT INTO ${s}.meta (key, value) VALUES ('kfm_projection_version', '${PROJECTION_VERSION}') ON CONFLICT (key) DO NOTHING;
`;
}

/**
 * Creates the PostGIS extension (when it is not there: that needs a role allowed to) and
 * the schema's tables, under a transaction-level advisory lock so two loaders do not race.
 * A schema of another projection version is a KfmError `state`.
 */
export async function ensurePostgisSchema(client: pg.Client, schema: string): Promise<void> {
  if (!SCHEMA_RE.test(schema)) throw new KfmError('usage', `PostGIS schema "${schema}" is not a plain identifier (${SCHEMA_RE})`);
  await client.query('BEGIN');
  try {
    await client.query("SELECT pg_advisory_xact_lock(hashtext('kfm_projection_schema'))");
    await client.query('CREATE EXTENSION IF NOT EXISTS postgis');
    await client.query(ddl(schema));
    const { rows } = await client.query<{ value: string }>(`SELECT value FROM ${schema}.meta WHERE key = 'kfm_projection_version'`);
    if (rows[0]?.value !== PROJECTION_VERSION) {
      throw new KfmError('state', `PostGIS schema ${schema} is a ${rows[0]?.value} projection; this kfm writes ${PROJECTION_VERSION}: drop the schema and load again`);
    }
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK');
    throw e;
  }
}
