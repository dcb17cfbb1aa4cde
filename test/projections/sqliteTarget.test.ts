/**
 * The SQLite projection on the real Kansas data: the three promoted versions loaded from
 * the content store by digest, an FTS5 search whose EvidenceRef resolves, an R*Tree
 * query, idempotent reloads, drift from a row deleted by hand, and a version swap that a
 * reader in another process never sees half of.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEvidenceRef } from '../../stages/projections/evidenceRef.js';
import type { ProjectedVersion } from '../../stages/projections/projectedVersion.js';
import { readProjectedVersion } from '../../stages/projections/readProjectedVersion.js';
import { defaultSqlitePath } from '../../stages/projections/sqlite/sqliteSchema.js';
import { SqliteTarget } from '../../stages/projections/sqlite/sqliteTarget.js';
import { artifactFeatures } from '../../stages/projections/versionFeatures.js';
import { buildKansasProject, KANSAS_SLUGS, REPO, type KansasProject } from '../support/kansasProject.js';
import { reprocessKansasPlaces } from '../support/reprocessKansasPlaces.js';

describe('the SQLite projection', () => {
  let project: KansasProject;
  let versions: Record<string, ProjectedVersion>;
  let target: SqliteTarget;

  beforeAll(async () => {
    project = buildKansasProject();
    versions = {};
    for (const slug of KANSAS_SLUGS) versions[slug] = await readProjectedVersion(project.paths, project.store, slug, project.dvids[slug]);
    target = new SqliteTarget({ path: defaultSqlitePath(project.dir), store: project.store });
  });
  afterAll(async () => {
    await target?.close();
    project?.remove();
  });

  it('loads each promoted version in one transaction, and a second load changes nothing', async () => {
    for (const slug of KANSAS_SLUGS) {
      const r = await target.load(versions[slug]!);
      expect(r).toMatchObject({ status: 'loaded', previous_version_id: null, current_version_id: project.dvids[slug] });
    }
    const counts = target.db.prepare('SELECT dataset_slug AS s, count(*) AS n FROM current_features GROUP BY 1 ORDER BY 1').all();
    expect(counts).toEqual([
      { s: 'ks_counties', n: 105 },
      { s: 'ks_places', n: 216 },
      { s: 'ks_places_per_county', n: 105 },
    ]);
    expect(target.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(target.db.prepare("SELECT value FROM meta WHERE key = 'kfm_projection_version'").pluck().get()).toBe('v1');
    const row = target.db.prepare('SELECT * FROM dataset_versions WHERE dataset_slug = ?').get('ks_places') as Record<string, string>;
    expect(row).toMatchObject({ dataset_version_id: project.dvids.ks_places, spec_hash: versions.ks_places!.spec_hash, policy_label: 'public', produced_at: versions.ks_places!.produced_at });
    expect(JSON.parse(row.extents!)).toEqual(versions.ks_places!.extents);
    expect(JSON.parse(row.qa_summary!).status).toBe('pass');

    const before = target.db.prepare('SELECT count(*) FROM features').pluck().get();
    for (const slug of KANSAS_SLUGS) expect((await target.load(versions[slug]!)).status).toBe('unchanged');
    expect(target.db.prepare('SELECT count(*) FROM features').pluck().get()).toBe(before);
    for (const slug of KANSAS_SLUGS) expect((await target.check(versions[slug]!)).status).toBe('current');
  });

  it('finds "Wichita" with FTS5, and every hit names a stored artifact feature that has that text', async () => {
    const hits = target.search('Wichita');
    // The city (ks_places), Wichita County (ks_counties, ks_places_per_county) and Sedgwick
    // County, whose places include Wichita (ks_places_per_county).
    expect(hits.map((h) => h.dataset_slug).sort()).toEqual(['ks_counties', 'ks_places', 'ks_places_per_county', 'ks_places_per_county']);
    for (const hit of hits) {
      const ref = parseEvidenceRef(hit.evidence_ref)!;
      expect(ref.digest).toBe(hit.artifact_digest);
      expect(versions[hit.dataset_slug]!.artifacts.map((a) => a.digest)).toContain(ref.digest);
      const feature = (await artifactFeatures(project.store, { path: hit.evidence_ref, digest: ref.digest }))[ref.index]!;
      expect(JSON.stringify(feature.properties)).toContain('Wichita');
      expect(hit).toMatchObject({ dataset_version_id: project.dvids[hit.dataset_slug as 'ks_places'], policy_label: 'public' });
    }
    const place = hits.find((h) => h.dataset_slug === 'ks_places')!;
    expect(place.text.startsWith('Wichita')).toBe(true);
  });

  it('answers a bbox query through the R*Tree: the county around Wichita is Sedgwick', () => {
    const names = target.db
      .prepare(
        `SELECT json_extract(f.properties, '$.name') FROM feature_bbox b JOIN current_features f ON f.fid = b.fid
         WHERE f.dataset_slug = 'ks_counties' AND b.min_x <= -97.33 AND b.max_x >= -97.33 AND b.min_y <= 37.69 AND b.max_y >= 37.69`,
      )
      .pluck()
      .all();
    expect(names).toEqual(['Sedgwick']);
  });

  it('names the drift of a row deleted by hand, and a reload repairs it', async () => {
    const version = versions.ks_counties!;
    const other = new Database(defaultSqlitePath(project.dir));
    // An interior county: the extent stays what it was.
    other.prepare("DELETE FROM features WHERE dataset_slug = 'ks_counties' AND json_extract(properties, '$.name') = 'Sedgwick'").run();
    const drift = await target.check(version);
    expect(drift.status).toBe('drifted');
    expect(drift.drifts.map((d) => d.what)).toEqual(['feature_count', 'artifact_feature_count']);
    expect(drift.drifts[0]).toMatchObject({ expected: 105, actual: 104 });
    other.prepare("DELETE FROM search WHERE rowid IN (SELECT fid FROM features WHERE dataset_slug = 'ks_counties' AND json_extract(properties, '$.name') = 'Allen')").run();
    other.close();
    expect((await target.check(version)).drifts.map((d) => d.what)).toEqual(['feature_count', 'artifact_feature_count', 'search_count']);
    expect((await target.load(version)).status).toBe('loaded');
    expect(await target.check(version)).toMatchObject({ status: 'current', drifts: [] });
  });

  it('swaps a dataset between two promoted versions in one transaction: a reader in another process never sees a mix', async () => {
    const second = reprocessKansasPlaces(project);
    const v2 = await readProjectedVersion(project.paths, project.store, 'ks_places', second);
    const v1 = versions.ks_places!;
    expect((await target.load(v2, { activate: false })).current_version_id).toBe(v1.dataset_version_id);
    await expect(target.swap('ks_places', '2017.00000000')).rejects.toThrow('ks_places@2017.00000000 is not loaded');

    const reader = spawn(process.execPath, ['-e', READER, defaultSqlitePath(project.dir)], { cwd: REPO });
    let out = '';
    reader.stdout.on('data', (c: Buffer) => (out += c.toString()));
    let exited = false;
    const done = new Promise<number>((resolve) => reader.on('exit', (code) => ((exited = true), resolve(code ?? -1))));
    let swaps = 0;
    while (!exited) {
      const to = swaps % 2 === 0 ? v2 : v1;
      const r = await target.swap('ks_places', to.dataset_version_id);
      expect(r.to).toBe(to.dataset_version_id);
      swaps++;
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    expect(await done).toBe(0);
    const seen = JSON.parse(out) as { reads: number; mixed: number; versions: string[] };
    expect(seen.mixed).toBe(0);
    expect(seen.versions.sort()).toEqual([v1.dataset_version_id, v2.dataset_version_id].sort());
    expect(swaps).toBeGreaterThan(1);
    await target.swap('ks_places', v2.dataset_version_id);
    expect((await target.check(v2)).status).toBe('current');
    expect((await target.check(v1)).drifts.map((d) => d.what)).toEqual(['not_current']);
    expect((await target.check(v1, { expectCurrent: false })).status).toBe('current');
  });
});

/**
 * The reader: one statement per read, the pointer and the current features together.
 * Mixed: the current features of ks_places come from more than one version, or from
 * another version than the pointer, or are not all 216. It stops once it has seen both
 * versions 50 times each.
 */
const READER = `
const Database = require('better-sqlite3');
const db = new Database(process.argv[1], { readonly: true });
const q = db.prepare(\`SELECT d.latest_version_id AS v,
  (SELECT count(*) FROM current_features WHERE dataset_slug = 'ks_places') AS n,
  (SELECT count(DISTINCT dataset_version_id) FROM current_features WHERE dataset_slug = 'ks_places') AS k,
  (SELECT min(dataset_version_id) FROM current_features WHERE dataset_slug = 'ks_places') AS fv
  FROM datasets d WHERE d.dataset_slug = 'ks_places'\`);
const seen = new Map();
let reads = 0, mixed = 0;
while (reads < 2000000) {
  const r = q.get();
  reads++;
  if (r.n !== 216 || r.k !== 1 || r.fv !== r.v) mixed++;
  seen.set(r.v, (seen.get(r.v) || 0) + 1);
  if (seen.size === 2 && [...seen.values()].every((n) => n >= 50)) break;
  if (reads % 200 === 0) { const t = Date.now() + 1; while (Date.now() < t); }
}
process.stdout.write(JSON.stringify({ reads, mixed, versions: [...seen.keys()] }));
`;
