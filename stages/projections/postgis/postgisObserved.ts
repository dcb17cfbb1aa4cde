import type pg from 'pg';
import type { ObservedVersion } from '../observedDrifts.js';
import type { Bbox } from '../projectedVersion.js';

/**
 * What the PostGIS projection holds for a version, read in one REPEATABLE READ
 * transaction. The extent is computed from the coordinates (box3d), not from the float4
 * boxes PostGIS caches on large geometries, so it compares exactly with the version's.
 */
export async function postgisObserved(client: pg.Client, s: string, slug: string, dvid: string): Promise<ObservedVersion> {
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    const args = [slug, dvid];
    const where = 'WHERE dataset_slug = $1 AND dataset_version_id = $2';
    const record = (await client.query(`SELECT spec_hash, policy_label, produced_at FROM ${s}.dataset_versions ${where}`, args)).rows[0] ?? null;
    const per = (await client.query<{ d: string; n: string }>(`SELECT artifact_digest AS d, count(*) AS n FROM ${s}.features ${where} GROUP BY 1`, args)).rows;
    const ext = (
      await client.query<{ boxed: string; w: number | null; s: number; e: number; n: number }>(
        `SELECT count(geom) AS boxed, min(ST_XMin(geom::box3d)) AS w, min(ST_YMin(geom::box3d)) AS s,
                max(ST_XMax(geom::box3d)) AS e, max(ST_YMax(geom::box3d)) AS n FROM ${s}.features ${where}`,
        args,
      )
    ).rows[0]!;
    const search = (await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${s}.search ${where}`, args)).rows[0]!;
    const current = (await client.query<{ v: string | null }>(`SELECT latest_version_id AS v FROM ${s}.datasets WHERE dataset_slug = $1`, [slug])).rows[0];
    const perArtifact = new Map(per.map((r) => [r.d, Number(r.n)]));
    return {
      record,
      featureCount: per.reduce((n, r) => n + Number(r.n), 0),
      perArtifact,
      searchCount: Number(search.n),
      // The GiST index covers every non-null geom: what is indexed is what has a geometry.
      indexedCount: Number(ext.boxed),
      withBboxCount: Number(ext.boxed),
      bbox: ext.w === null ? null : ([ext.w, ext.s, ext.e, ext.n] as Bbox),
      currentVersionId: current?.v ?? null,
    };
  } finally {
    await client.query('COMMIT');
  }
}
