import type Database from 'better-sqlite3';

/** A search result: always an EvidenceRef that resolves (a stored artifact and a feature index). */
export interface SearchHit {
  dataset_slug: string;
  dataset_version_id: string;
  artifact_digest: string;
  evidence_ref: string;
  policy_label: string;
  extents: string;
  text: string;
}

/**
 * FTS5 search over the projected (current) version of each dataset, best match first.
 * Each whitespace-separated term of `text` is quoted, so user text is never FTS5 syntax.
 */
export function searchSqlite(db: Database.Database, text: string, limit: number): SearchHit[] {
  const query = text
    .split(/\s+/)
    .filter(Boolean)
    .map((t) => `"${t.replaceAll('"', '""')}"`)
    .join(' ');
  if (query === '') return [];
  return db
    .prepare(
      `SELECT s.dataset_slug, s.dataset_version_id, s.artifact_digest, s.evidence_ref, s.policy_label, s.extents, s.text
       FROM search s JOIN datasets d ON d.dataset_slug = s.dataset_slug AND d.latest_version_id = s.dataset_version_id
       WHERE search MATCH ? ORDER BY rank, s.evidence_ref LIMIT ?`,
    )
    .all(query, limit) as SearchHit[];
}
