import type Database from 'better-sqlite3';
import type { ObservedVersion } from '../observedDrifts.js';
import type { Bbox } from '../projectedVersion.js';

/** What the SQLite projection holds for a version, read in one read transaction. */
export function sqliteObserved(db: Database.Database, slug: string, dvid: string): ObservedVersion {
  return db.transaction(() => {
    const record = (db.prepare('SELECT spec_hash, policy_label, produced_at FROM dataset_versions WHERE dataset_slug = ? AND dataset_version_id = ?').get(slug, dvid) ?? null) as ObservedVersion['record'];
    const perArtifact = new Map<string, number>();
    const rows = db.prepare('SELECT artifact_digest AS d, count(*) AS n FROM features WHERE dataset_slug = ? AND dataset_version_id = ? GROUP BY artifact_digest').all(slug, dvid) as { d: string; n: number }[];
    for (const r of rows) perArtifact.set(r.d, r.n);
    const ext = db
      .prepare('SELECT count(min_x) AS boxed, min(min_x) AS w, min(min_y) AS s, max(max_x) AS e, max(max_y) AS n FROM features WHERE dataset_slug = ? AND dataset_version_id = ?')
      .get(slug, dvid) as { boxed: number; w: number | null; s: number; e: number; n: number };
    const fids = 'SELECT fid FROM features WHERE dataset_slug = ? AND dataset_version_id = ?';
    const count = (sql: string) => (db.prepare(sql).get(slug, dvid) as { n: number }).n;
    const current = db.prepare('SELECT latest_version_id AS v FROM datasets WHERE dataset_slug = ?').get(slug) as { v: string | null } | undefined;
    return {
      record,
      featureCount: rows.reduce((n, r) => n + r.n, 0),
      perArtifact,
      searchCount: count('SELECT count(*) AS n FROM search WHERE dataset_slug = ? AND dataset_version_id = ?'),
      indexedCount: count(`SELECT count(*) AS n FROM feature_bbox WHERE fid IN (${fids})`),
      withBboxCount: ext.boxed,
      bbox: ext.w === null ? null : ([ext.w, ext.s, ext.e, ext.n] as Bbox),
      currentVersionId: current?.v ?? null,
    };
  })();
}
