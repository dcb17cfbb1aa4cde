/**
 * A ProjectedVersion read from a built checkout: the registry, checksums.json, the content
 * store (by digest) and the build receipts; only promoted versions; located errors.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KfmError } from '../../core/error.js';
import { evidenceRefOf, parseEvidenceRef } from '../../stages/projections/evidenceRef.js';
import { readProjectedVersion } from '../../stages/projections/readProjectedVersion.js';
import { versionFeatures } from '../../stages/projections/versionFeatures.js';
import { buildKansasProject, type KansasProject } from '../support/kansasProject.js';

describe('readProjectedVersion', () => {
  let project: KansasProject;
  beforeAll(() => {
    project = buildKansasProject();
  });
  afterAll(() => project?.remove());

  it('reads a promoted version: its label, extents, QA, produced_at from its receipts, artifacts by digest', async () => {
    const dvid = project.dvids.ks_places;
    const v = await readProjectedVersion(project.paths, project.store, 'ks_places', dvid);
    const checksums = JSON.parse(readFileSync(join(project.dir, 'data/processed/ks_places', dvid, 'checksums.json'), 'utf8')) as { files: { path: string; digest: string }[] };
    const geojson = checksums.files.find((f) => f.path === 'ks_places.geojson')!;
    expect(v).toMatchObject({
      dataset_slug: 'ks_places',
      title: 'Kansas populated places',
      dataset_version_id: dvid,
      policy_label: 'public',
      extents: { temporal: { start: '2017-01-01', end: '2017-12-31' } },
      qa_summary: { status: 'pass' },
      artifacts: [{ path: 'ks_places.geojson', digest: geojson.digest, media_type: 'application/geo+json', feature_count: 216 }],
    });
    expect(v.qa_summary.checks.map((c) => c.name)).toEqual(['required_fields_present', 'geometry_valid', 'duplicate_rate', 'feature_count', 'bbox_inside']);
    const features = (JSON.parse(readFileSync(join(project.dir, 'data/processed/ks_places', dvid, 'ks_places.geojson'), 'utf8')) as { features: { geometry: { coordinates: [number, number] } }[] }).features;
    const xs = features.map((f) => f.geometry.coordinates[0]);
    const ys = features.map((f) => f.geometry.coordinates[1]);
    expect(v.extents.bbox).toEqual([Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)]);
    expect(v.produced_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    // The same files read again give the same version (no wall clock in it).
    expect(await readProjectedVersion(project.paths, project.store, 'ks_places', dvid)).toEqual(v);

    const batches = [];
    for await (const b of versionFeatures(project.store, v)) batches.push(b);
    expect(batches).toHaveLength(1);
    expect(batches[0]![7]).toMatchObject({ dataset_version_id: dvid, artifact_digest: geojson.digest, feature_index: 7, evidence_ref: `kfm://artifact/${geojson.digest}#7` });
    expect(parseEvidenceRef(evidenceRefOf(v.artifacts[0]!.digest, 7))).toEqual({ digest: v.artifacts[0]!.digest, index: 7 });
    expect(parseEvidenceRef('kfm://artifact/sha256:abc#1')).toBeUndefined();
  });

  it('refuses a version that is not promoted, an unknown version and an unknown dataset, naming them', async () => {
    const file = join(project.dir, 'registry', 'ks_counties.json');
    const registry = JSON.parse(readFileSync(file, 'utf8')) as { versions: { status: string }[] };
    registry.versions[0]!.status = 'candidate';
    writeFileSync(file, JSON.stringify(registry, null, 2) + '\n');
    const dvid = project.dvids.ks_counties;
    const refusal = (slug: string, id: string) => readProjectedVersion(project.paths, project.store, slug, id).then(() => undefined, (e: unknown) => e as KfmError);
    expect(await refusal('ks_counties', dvid)).toMatchObject({ code: 'usage', message: `ks_counties@${dvid} is candidate: only promoted (published) versions are projected` });
    expect(await refusal('ks_places', '2017.00000000')).toMatchObject({ code: 'usage', message: 'registry/ks_places.json lists no version 2017.00000000 of ks_places' });
    expect(await refusal('nope', '2017.00000000')).toMatchObject({ code: 'usage', message: 'dataset "nope" is not registered (no registry/nope.json)' });
  });
});
