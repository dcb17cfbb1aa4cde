import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { KfmError } from '../../../core/error.js';
import { PROJECTION_VERSION } from '../projectionVersion.js';

/** The embedded default: `projections/kfm.sqlite` under the project root. */
export function defaultSqlitePath(root: string): string {
  return join(root, 'projections', 'kfm.sqlite');
}

/**
 * The SQLite projection's tables. `datasets`, `dataset_versions` and the feature rows use
 * CONTRACTS.md's field names; a dataset's `latest_version_id` is the version readers see
 * (the `current_features` view), so moving it is the one-statement swap. `feature_bbox` is
 * an R*Tree on the features' boxes (rowid = `features.fid`); `search` is FTS5 over each
 * feature's text, carrying its dvid, artifact digest, EvidenceRef, policy label and extents
 * (rowid = `features.fid`).
 */
const DDL = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS datasets (
  dataset_slug TEXT PRIMARY KEY,
  title TEXT NOT NULL,
  policy_label TEXT NOT NULL,
  latest_version_id TEXT
);
CREATE TABLE IF NOT EXISTS dataset_versions (
  dataset_slug TEXT NOT NULL,
  dataset_version_id TEXT NOT NULL,
  title TEXT NOT NULL,
  spec_hash TEXT NOT NULL,
  produced_at TEXT NOT NULL,
  policy_label TEXT NOT NULL,
  extents TEXT NOT NULL,
  qa_summary TEXT NOT NULL,
  feature_count INTEGER NOT NULL,
  load_digest TEXT NOT NULL,
  PRIMARY KEY (dataset_slug, dataset_version_id)
);
CREATE TABLE IF NOT EXISTS features (
  fid INTEGER PRIMARY KEY,
  dataset_slug TEXT NOT NULL,
  dataset_version_id TEXT NOT NULL,
  artifact_digest TEXT NOT NULL,
  feature_index INTEGER NOT NULL,
  feature_id TEXT,
  evidence_ref TEXT NOT NULL,
  min_x REAL, min_y REAL, max_x REAL, max_y REAL,
  geometry TEXT,
  properties TEXT,
  UNIQUE (dataset_slug, dataset_version_id, evidence_ref)
);
CREATE INDEX IF NOT EXISTS features_by_version ON features (dataset_slug, dataset_version_id);
CREATE VIRTUAL TABLE IF NOT EXISTS feature_bbox USING rtree (fid, min_x, max_x, min_y, max_y);
CREATE VIRTUAL TABLE IF NOT EXISTS search USING fts5 (
  text,
  dataset_slug UNINDEXED,
  dataset_version_id UNINDEXED,
  artifact_digest UNINDEXED,
  evidence_ref UNINDEXED,
  policy_label UNINDEXED,
  extents UNINDEXED,
  tokenize = 'unicode61 remove_diacritics 2'
);
CREATE VIEW IF NOT EXISTS current_features AS
  SELECT f.* FROM features f JOIN datasets d
    ON d.dataset_slug = f.dataset_slug AND d.latest_version_id = f.dataset_version_id;
`;

/**
 * Opens (creating) the projection database in WAL mode, so readers never block the one
 * writer and always read one committed state. A database of another projection version is
 * a KfmError `state`: rebuild it (delete the file, load again).
 */
export function openSqliteProjection(path: string): Database.Database {
  mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 10000');
  db.transaction(() => {
    db.exec(DDL);
    db.prepare("INSERT OR IGNORE INTO meta (key, value) VALUES ('kfm_projection_version', ?)").run(PROJECTION_VERSION);
  }).immediate();
  const row = db.prepare("SELECT value FROM meta WHERE key = 'kfm_projection_version'").get() as { value: string };
  if (row.value !== PROJECTION_VERSION) {
    db.close();
    throw new KfmError('state', `${path} is a ${row.value} projection; this kfm writes ${PROJECTION_VERSION}: remove it and load again (projections are rebuildable)`);
  }
  return db;
}
