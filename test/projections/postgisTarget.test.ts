/**
 * The PostGIS projection on the real Kansas data, in a throwaway cluster the test starts
 * (test/support/postgres.ts): COPY loads of hex EWKB, counts, valid geometries, extents
 * equal to the GeoJSON's, full-text search through tsvector, drift from rows deleted or edited by
 * hand, a swap that a concurrent reader never sees half of, and a version of two artifacts
 * whose ids, null geometries and properties, and text needing COPY escapes load as written. Skipped, with the reason,
 * only where PostgreSQL/PostGIS is not installed and CI is not set.
 */
import type { Feature, Geometry } from 'geojson';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEvidenceRef } from '../../stages/projections/evidenceRef.js';
import { geometryHexEwkb } from '../../stages/projections/postgis/geometryHexEwkb.js';
import { PostgisTarget } from '../../stages/projections/postgis/postgisTarget.js';
import type { ProjectedVersion } from '../../stages/projections/projectedVersion.js';
import { readProjectedVersion } from '../../stages/projections/readProjectedVersion.js';
import { artifactFeatures } from '../../stages/projections/versionFeatures.js';
import { buildKansasProject, KANSAS_SLUGS, type KansasProject } from '../support/kansasProject.js';
import { postgresUnavailable, startPostgres, type PostgresCluster } from '../support/postgres.js';
import { reprocessKansasPlaces } from '../support/reprocessKansasPlaces.js';

const unavailable = postgresUnavailable();
if (unavailable) console.warn(`skipping the PostGIS projection tests: ${unavailable}`);

describe.skipIf(unavailable !== undefined)('the PostGIS projection', () => {
  let cluster: PostgresCluster;
  let project: KansasProject;
  let versions: Record<string, ProjectedVersion>;
  let target: PostgisTarget;
  let sql: pg.Client;

  beforeAll(async () => {
    cluster = await startPostgres();
    project = buildKansasProject();
    versions = {};
    for (const slug of KANSAS_SLUGS) versions[slug] = await readProjectedVersion(project.paths, project.store, slug, project.dvids[slug]);
    target = new PostgisTarget({ store: project.store, env: { KFM_POSTGRES_URL: cluster.url } });
    sql = new pg.Client({ connectionString: cluster.url });
    await sql.connect();
  });
  afterAll(async () => {
    await sql?.end();
    await target?.close();
    cluster?.stop();
    project?.remove();
  });

  const one = async <T>(text: string, args: unknown[] = []) => (await sql.query(text, args)).rows[0] as T;

  it('loads the three versions with COPY: 105 counties and 216 places, valid, with the GeoJSON extents', async () => {
    for (const slug of KANSAS_SLUGS) expect((await target.load(versions[slug]!)).status).toBe('loaded');
    const counts = (await sql.query('SELECT dataset_slug AS s, count(*)::int AS n FROM kfm.current_features GROUP BY 1 ORDER BY 1')).rows;
    expect(counts).toEqual([
      { s: 'ks_counties', n: 105 },
      { s: 'ks_places', n: 216 },
      { s: 'ks_places_per_county', n: 105 },
    ]);
    expect(await one('SELECT count(*)::int AS n FROM kfm.features WHERE NOT ST_IsValid(geom) OR ST_SRID(geom) <> 4326')).toEqual({ n: 0 });
    for (const slug of KANSAS_SLUGS) {
      const ext = await one<{ w: number; s: number; e: number; n: number }>(
        'SELECT ST_XMin(e) AS w, ST_YMin(e) AS s, ST_XMax(e) AS e, ST_YMax(e) AS n FROM (SELECT ST_3DExtent(geom) AS e FROM kfm.current_features WHERE dataset_slug = $1) x',
        [slug],
      );
      expect([ext.w, ext.s, ext.e, ext.n]).toEqual(versions[slug]!.extents.bbox);
    }
    expect(await one("SELECT value FROM kfm.meta WHERE key = 'kfm_projection_version'")).toEqual({ value: 'v1' });
    const indexes = (await sql.query("SELECT indexname FROM pg_indexes WHERE schemaname = 'kfm' AND tablename = 'features' AND indexdef ~ 'USING (gist|gin)' ORDER BY 1")).rows.map((r) => r.indexname);
    expect(indexes).toEqual(['features_geom', 'features_tsv']);
    // Each version's partition is indexed, its indexes attached to the parent's (3 versions × 2).
    const attached = await one<{ n: number }>("SELECT count(*)::int AS n FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhparent WHERE c.relname IN ('features_geom', 'features_tsv')");
    expect(attached.n).toBe(6);
    for (const slug of KANSAS_SLUGS) {
      expect((await target.load(versions[slug]!)).status).toBe('unchanged');
      expect((await target.check(versions[slug]!)).status).toBe('current');
    }
  });

  it('writes hex EWKB that PostGIS reads as the same geometry as ST_GeomFromGeoJSON, bit for bit', async () => {
    const ring = [[-97.1, 37.5], [-97.0, 37.5], [-97.0, 37.6], [-97.1, 37.5]];
    const geometries: Geometry[] = [
      { type: 'Point', coordinates: [0.1 + 0.2, -1e-7] },
      { type: 'MultiPoint', coordinates: [[1, 2], [3, 4]] },
      { type: 'LineString', coordinates: [[1, 2], [3, 4.000000000000001]] },
      { type: 'MultiLineString', coordinates: [[[1, 2], [3, 4]], [[5, 6], [7, 8]]] },
      { type: 'Polygon', coordinates: [ring] },
      { type: 'MultiPolygon', coordinates: [[ring], [ring.map(([x, y]) => [x! + 1, y!])]] },
      { type: 'GeometryCollection', geometries: [{ type: 'Point', coordinates: [1, 2] }, { type: 'LineString', coordinates: [[1, 2], [3, 4]] }] },
    ];
    for (const g of geometries) {
      const r = await one<{ same: boolean }>('SELECT ST_AsEWKB($1::geometry) = ST_AsEWKB(ST_SetSRID(ST_GeomFromGeoJSON($2), 4326)) AS same', [geometryHexEwkb(g), JSON.stringify(g)]);
      expect(r.same, g.type).toBe(true);
    }
  });

  it('finds "Wichita" through tsvector, each hit an EvidenceRef into a stored artifact', async () => {
    const hits = (
      await sql.query(
        `SELECT s.dataset_slug, s.evidence_ref, s.artifact_digest, s.policy_label FROM kfm.search s
         JOIN kfm.datasets d ON d.dataset_slug = s.dataset_slug AND d.latest_version_id = s.dataset_version_id
         WHERE s.tsv @@ plainto_tsquery('simple', 'Wichita') ORDER BY 1, 2`,
      )
    ).rows as { dataset_slug: string; evidence_ref: string; artifact_digest: string; policy_label: string }[];
    expect(hits.map((h) => h.dataset_slug)).toEqual(['ks_counties', 'ks_places', 'ks_places_per_county', 'ks_places_per_county']);
    for (const h of hits) {
      const ref = parseEvidenceRef(h.evidence_ref)!;
      expect(ref.digest).toBe(h.artifact_digest);
      const feature = (await artifactFeatures(project.store, { path: h.evidence_ref, digest: ref.digest }))[ref.index]!;
      expect(JSON.stringify(feature.properties)).toContain('Wichita');
    }
  });

  it('names a row deleted by hand and a geometry edited by hand, and a reload repairs both', async () => {
    const counties = versions.ks_counties!;
    await sql.query("DELETE FROM kfm.features WHERE dataset_slug = 'ks_counties' AND properties->>'name' = 'Sedgwick'");
    // Search rows are the features' own (the search view): one fewer of those too.
    expect((await target.check(counties)).drifts.map((d) => d.what)).toEqual(['feature_count', 'artifact_feature_count', 'search_count']);
    await sql.query("UPDATE kfm.features SET geom = ST_Translate(geom, -1, 0) WHERE dataset_slug = 'ks_counties' AND properties->>'name' = 'Greeley'");
    const drift = await target.check(counties);
    expect(drift.drifts.map((d) => d.what)).toEqual(['feature_count', 'artifact_feature_count', 'search_count', 'extent']);
    expect(drift.drifts[0]).toMatchObject({ expected: 105, actual: 104 });
    expect((await target.load(counties)).status).toBe('loaded');
    expect(await target.check(counties)).toMatchObject({ status: 'current', drifts: [] });
  });

  it('swaps ks_places between two promoted versions in one transaction: a concurrent reader never sees a mix', async () => {
    const v1 = versions.ks_places!;
    const v2 = await readProjectedVersion(project.paths, project.store, 'ks_places', reprocessKansasPlaces(project));
    expect((await target.load(v2, { activate: false })).current_version_id).toBe(v1.dataset_version_id);
    let stop = false;
    const seen = new Map<string, number>();
    let mixed = 0;
    const reader = (async () => {
      while (!stop) {
        const r = await one<{ v: string; n: number; k: number; fv: string }>(
          `SELECT d.latest_version_id AS v,
             (SELECT count(*)::int FROM kfm.current_features WHERE dataset_slug = 'ks_places') AS n,
             (SELECT count(DISTINCT dataset_version_id)::int FROM kfm.current_features WHERE dataset_slug = 'ks_places') AS k,
             (SELECT min(dataset_version_id) FROM kfm.current_features WHERE dataset_slug = 'ks_places') AS fv
           FROM kfm.datasets d WHERE d.dataset_slug = 'ks_places'`,
        );
        if (r.n !== 216 || r.k !== 1 || r.fv !== r.v) mixed++;
        seen.set(r.v, (seen.get(r.v) ?? 0) + 1);
      }
    })();
    for (let i = 0; i < 40 || seen.size < 2; i++) await target.swap('ks_places', (i % 2 === 0 ? v2 : v1).dataset_version_id);
    stop = true;
    await reader;
    expect(mixed).toBe(0);
    expect([...seen.keys()].sort()).toEqual([v1.dataset_version_id, v2.dataset_version_id].sort());
    expect((await target.check(v1)).status).toBe('current');
    expect((await target.check(v2)).drifts.map((d) => d.what)).toEqual(['not_current']);
    await expect(target.swap('ks_places', '2017.00000000')).rejects.toThrow('ks_places@2017.00000000 is not loaded');
  });

  it('loads a version of two artifacts as written: ids, null geometry and properties, and text needing COPY escapes', async () => {
    const a: Feature<Geometry | null>[] = [
      { type: 'Feature', id: 7, properties: { name: 'back\\slash\ttab\nnew\rcr "q" é', n: 1.5 }, geometry: { type: 'Point', coordinates: [-97.3, 37.7] } },
      { type: 'Feature', properties: null, geometry: null },
      { type: 'Feature', id: 'x\\y\tz', properties: { name: 'plain', places: ['t\tab', 'Wichita'], nested: { k: '\\N' } }, geometry: { type: 'Polygon', coordinates: [[[-98, 37], [-97, 37], [-97, 38], [-98, 37]]] } },
    ];
    const b: Feature<Geometry | null>[] = [{ type: 'Feature', properties: { name: 'B' }, geometry: { type: 'LineString', coordinates: [[-96, 38], [-95, 39]] } }];
    const stored = [a, b].map((features) => project.store.putBytes(Buffer.from(JSON.stringify({ type: 'FeatureCollection', features }))).digest);
    const v: ProjectedVersion = {
      dataset_slug: 'escapes', title: 'Escapes', dataset_version_id: '2017.00000009', spec_hash: `sha256:${'9'.repeat(64)}`, policy_label: 'public',
      extents: { bbox: [-98, 37, -95, 39], temporal: null }, qa_summary: { status: 'pass', checks: [], report_digest: null }, produced_at: '2026-01-01T00:00:00.000Z',
      artifacts: [
        { path: 'a.geojson', digest: stored[0]!, media_type: 'application/geo+json', feature_count: 3 },
        { path: 'b.geojson', digest: stored[1]!, media_type: 'application/geo+json', feature_count: 1 },
      ],
    };
    expect((await target.load(v)).feature_count).toBe(4);
    const rows = (
      await sql.query(
        `SELECT artifact_digest AS d, feature_index AS i, feature_id AS id, properties AS p, search_text AS t, evidence_ref AS ref,
                CASE WHEN geom IS NULL THEN NULL ELSE encode(ST_AsEWKB(geom, 'NDR'), 'hex') END AS g
         FROM kfm.features WHERE dataset_slug = 'escapes' ORDER BY artifact_digest = $1 DESC, feature_index`,
        [stored[0]],
      )
    ).rows;
    const expected = [a, b].flatMap((features, k) =>
      features.map((f, i) => ({
        d: stored[k], i, id: f.id === undefined ? null : String(f.id), p: f.properties, ref: `kfm://artifact/${stored[k]}#${i}`,
        t: f.properties === null ? '' : [f.properties.name, ...(f.properties.places ?? [])].join(' '),
        g: f.geometry === null ? null : geometryHexEwkb(f.geometry),
      })),
    );
    expect(rows).toEqual(expected);
    expect((await target.check(v)).status).toBe('current');
  });
});
