import type Database from 'better-sqlite3';
import { canonicalJson } from '../../../core/canonicalJson.js';
import type { Digest } from '../../../core/digest.js';
import type { ProjectedVersion } from '../projectedVersion.js';
import { searchText } from '../searchText.js';
import type { ProjectedFeature } from '../versionFeatures.js';

/**
 * Removes every row of a version (features, their R*Tree and search rows, its record),
 * and index rows whose feature someone deleted by hand.
 */
export function deleteVersionRows(db: Database.Database, slug: string, dvid: string): void {
  const fids = 'SELECT fid FROM features WHERE dataset_slug = ? AND dataset_version_id = ?';
  db.prepare(`DELETE FROM feature_bbox WHERE fid IN (${fids})`).run(slug, dvid);
  db.prepare('DELETE FROM search WHERE dataset_slug = ? AND dataset_version_id = ?').run(slug, dvid);
  db.prepare('DELETE FROM features WHERE dataset_slug = ? AND dataset_version_id = ?').run(slug, dvid);
  db.prepare('DELETE FROM feature_bbox WHERE fid NOT IN (SELECT fid FROM features)').run();
  db.prepare('DELETE FROM dataset_versions WHERE dataset_slug = ? AND dataset_version_id = ?').run(slug, dvid);
}

/** Writes a version's record and its features' rows (call inside a transaction, after deleteVersionRows). */
export function insertVersionRows(db: Database.Database, version: ProjectedVersion, features: ProjectedFeature[], digest: Digest): void {
  const extents = canonicalJson(version.extents);
  db.prepare(
    `INSERT INTO dataset_versions (dataset_slug, dataset_version_id, title, spec_hash, produced_at, policy_label, extents, qa_summary, feature_count, load_digest)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(version.dataset_slug, version.dataset_version_id, version.title, version.spec_hash, version.produced_at, version.policy_label, extents, canonicalJson(version.qa_summary), features.length, digest);
  const feature = db.prepare(
    `INSERT INTO features (dataset_slug, dataset_version_id, artifact_digest, feature_index, feature_id, evidence_ref, min_x, min_y, max_x, max_y, geometry, properties)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const box = db.prepare('INSERT INTO feature_bbox (fid, min_x, max_x, min_y, max_y) VALUES (?, ?, ?, ?, ?)');
  const search = db.prepare(
    'INSERT INTO search (rowid, text, dataset_slug, dataset_version_id, artifact_digest, evidence_ref, policy_label, extents) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  for (const f of features) {
    const b = f.bbox;
    const { lastInsertRowid: fid } = feature.run(
      f.dataset_slug, f.dataset_version_id, f.artifact_digest, f.feature_index, f.feature_id, f.evidence_ref,
      b?.[0] ?? null, b?.[1] ?? null, b?.[2] ?? null, b?.[3] ?? null,
      f.geometry === null ? null : JSON.stringify(f.geometry),
      f.properties === null ? null : JSON.stringify(f.properties),
    );
    if (b) box.run(fid, b[0], b[2], b[1], b[3]);
    search.run(fid, searchText(f.properties), f.dataset_slug, f.dataset_version_id, f.artifact_digest, f.evidence_ref, version.policy_label, extents);
  }
}

/** Makes a version the dataset's projected one (its title and label with it). */
export function pointDatasetAt(db: Database.Database, version: Pick<ProjectedVersion, 'dataset_slug' | 'dataset_version_id' | 'title' | 'policy_label'>): void {
  db.prepare(
    `INSERT INTO datasets (dataset_slug, title, policy_label, latest_version_id) VALUES (?, ?, ?, ?)
     ON CONFLICT (dataset_slug) DO UPDATE SET title = excluded.title, policy_label = excluded.policy_label, latest_version_id = excluded.latest_version_id`,
  ).run(version.dataset_slug, version.title, version.policy_label, version.dataset_version_id);
}

/** Records a dataset that has no projected version yet (a load without activation). */
export function ensureDataset(db: Database.Database, version: Pick<ProjectedVersion, 'dataset_slug' | 'title' | 'policy_label'>): void {
  db.prepare('INSERT OR IGNORE INTO datasets (dataset_slug, title, policy_label, latest_version_id) VALUES (?, ?, ?, NULL)').run(version.dataset_slug, version.title, version.policy_label);
}
