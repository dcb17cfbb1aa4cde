/**
 * Public targets never receive restricted data: over random policy labels and random
 * targets (SQLite, tiles and, where PostgreSQL is installed, PostGIS; each either public or
 * accepting a random set of labels), a load succeeds exactly when the target accepts the
 * label, a refused load writes nothing, and no public target ever holds a row, a search
 * entry or an archive of a non-public version.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KfmError } from '../../core/error.js';
import { POLICY_LABELS, type PolicyLabel } from '../../core/policyLabel.js';
import { FileContentStore } from '../../store/contentStore.js';
import { PUBLIC_LABELS } from '../../stages/projections/acceptedLabels.js';
import { PostgisTarget } from '../../stages/projections/postgis/postgisTarget.js';
import type { ProjectedVersion } from '../../stages/projections/projectedVersion.js';
import type { ProjectionTarget } from '../../stages/projections/projectionTarget.js';
import { SqliteTarget } from '../../stages/projections/sqlite/sqliteTarget.js';
import { TilesTarget } from '../../stages/projections/tiles/tilesTarget.js';
import { postgresUnavailable, startPostgres, type PostgresCluster } from '../support/postgres.js';

const unavailable = postgresUnavailable();
if (unavailable) console.warn(`the label property runs without the PostGIS target: ${unavailable}`);

const FEATURES = {
  type: 'FeatureCollection',
  features: [
    { type: 'Feature', properties: { name: 'Nest site' }, geometry: { type: 'Point', coordinates: [-98.1, 38.2] } },
    { type: 'Feature', properties: { name: 'Burrow' }, geometry: { type: 'Point', coordinates: [-97.4, 37.9] } },
  ],
};

describe('policy labels and projection targets', () => {
  let dir: string;
  let store: FileContentStore;
  let cluster: PostgresCluster | undefined;
  let version: (label: PolicyLabel, n: number) => ProjectedVersion;
  const targets: { kind: string; publicTarget: ProjectionTarget; open: (accepts: PolicyLabel[], n: number) => ProjectionTarget }[] = [];
  const opened: ProjectionTarget[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kfm-labels-'));
    store = new FileContentStore(join(dir, 'store'));
    const { digest } = store.putBytes(Buffer.from(JSON.stringify(FEATURES)));
    version = (label, n) => ({
      dataset_slug: 'sensitive_sites',
      title: 'Sites',
      dataset_version_id: `2017.${n.toString(16).padStart(8, '0')}`,
      spec_hash: `sha256:${'1'.repeat(64)}`,
      policy_label: label,
      extents: { bbox: [-98.1, 37.9, -97.4, 38.2], temporal: null },
      qa_summary: { status: 'pass', checks: [], report_digest: null },
      produced_at: '2026-01-01T00:00:00.000Z',
      artifacts: [{ path: 'sites.geojson', digest, media_type: 'application/geo+json', feature_count: 2 }],
    });
    const sqlite = (accepts?: PolicyLabel[], n = 0) => new SqliteTarget({ path: join(dir, `sqlite-${n}.db`), store, ...(accepts ? { accepts } : {}) });
    const tiles = (accepts?: PolicyLabel[], n = 0) => new TilesTarget({ dir: join(dir, `tiles-${n}`), store, zoom: { minzoom: 0, maxzoom: 2 }, ...(accepts ? { accepts } : {}) });
    targets.push({ kind: 'sqlite', publicTarget: sqlite(), open: sqlite }, { kind: 'tiles', publicTarget: tiles(), open: tiles });
    if (!unavailable) {
      cluster = await startPostgres();
      const url = cluster.url;
      const postgis = (accepts?: PolicyLabel[], n = 0) => new PostgisTarget({ url, schema: `kfm_${n}`, store, ...(accepts ? { accepts } : {}) });
      targets.push({ kind: 'postgis', publicTarget: postgis(), open: postgis });
    }
    opened.push(...targets.map((t) => t.publicTarget));
  });
  afterAll(async () => {
    for (const t of opened) await t.close();
    cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loads a version exactly when the target accepts its label; a refusal writes nothing', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...POLICY_LABELS),
        fc.integer({ min: 0, max: targets.length - 1 }),
        fc.option(fc.subarray([...POLICY_LABELS], { minLength: 0 }), { nil: undefined }),
        async (label, which, accepts) => {
          n++;
          const spec = targets[which]!;
          const target = accepts === undefined ? spec.publicTarget : spec.open(accepts, n);
          if (accepts !== undefined) opened.push(target);
          const allowed = (accepts ?? PUBLIC_LABELS).includes(label);
          const v = version(label, n);
          if (allowed) {
            expect((await target.load(v)).status).toBe('loaded');
            expect((await target.check(v)).status).toBe('current');
          } else {
            const refused = await target.load(v).then(() => undefined, (e: unknown) => e);
            expect(refused).toBeInstanceOf(KfmError);
            expect((refused as KfmError).code).toBe('check');
            expect((refused as KfmError).message).toContain(`is ${label}: not loaded`);
            expect((await target.check(v)).drifts.map((d) => d.what)).toEqual(['missing_version']);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('leaves the public targets with public data only', async () => {
    // One public version in each, whatever the random runs above picked: the check below
    // then always has something to look at.
    for (const t of targets) expect((await t.publicTarget.load(version('public', 100_000))).status).toMatch(/^(loaded|unchanged)$/);
    const sqlite = targets.find((t) => t.kind === 'sqlite')!.publicTarget as SqliteTarget;
    for (const table of ['datasets', 'dataset_versions', 'search']) {
      const labels = sqlite.db.prepare(`SELECT DISTINCT policy_label FROM ${table}`).pluck().all() as string[];
      for (const l of labels) expect(PUBLIC_LABELS).toContain(l);
    }
    const tiles = targets.find((t) => t.kind === 'tiles')!.publicTarget as TilesTarget;
    const loaded = readdirSync(join(tiles.dir, 'sensitive_sites')).filter((f) => f.endsWith('.tiles.json'));
    const publicCount = sqlite.db.prepare('SELECT count(*) FROM dataset_versions').pluck().get() as number;
    expect(loaded.length + publicCount).toBeGreaterThan(0);
    if (cluster) {
      const c = new pg.Client({ connectionString: cluster.url });
      await c.connect();
      try {
        const { rows } = await c.query('SELECT DISTINCT policy_label FROM kfm_0.dataset_versions UNION SELECT DISTINCT policy_label FROM kfm_0.search');
        for (const r of rows as { policy_label: string }[]) expect(PUBLIC_LABELS).toContain(r.policy_label);
      } finally {
        await c.end();
      }
    }
  });
});
