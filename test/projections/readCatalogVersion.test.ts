/**
 * The catalog reader (runbook procedure D, steps 1–2): a promoted version read from its
 * DCAT and PROV records, its artifacts found in the content store by digest, is the same
 * ProjectedVersion as one read from checksums.json and the spec; a damaged catalog is named.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KfmError } from '../../core/error.js';
import { catalogFacts, readCatalogVersion } from '../../stages/projections/readCatalogVersion.js';
import { readProjectedVersion } from '../../stages/projections/readProjectedVersion.js';
import { buildKansasProject, KANSAS_SLUGS, type KansasProject } from '../support/kansasProject.js';

describe('readCatalogVersion', () => {
  let project: KansasProject;
  beforeAll(() => {
    project = buildKansasProject();
  });
  afterAll(() => project?.remove());

  it('reads each Kansas version from its catalog: the same record, extents and artifacts as from its files', async () => {
    for (const slug of KANSAS_SLUGS) {
      const dvid = project.dvids[slug];
      const fromCatalog = await readCatalogVersion(project.paths.dataDir, project.store, slug, dvid);
      expect(await readProjectedVersion(project.paths, project.store, slug, dvid)).toEqual(fromCatalog);
      // Hide the catalog: the fallback reads checksums.json, the spec and the receipts.
      const dcat = join(project.paths.dataDir, 'catalog', slug, dvid, 'dcat.jsonld');
      renameSync(dcat, `${dcat}.hidden`);
      try {
        const fromFiles = await readProjectedVersion(project.paths, project.store, slug, dvid);
        expect({ ...fromFiles, produced_at: null }).toEqual({ ...fromCatalog, produced_at: null });
        expect(fromCatalog.produced_at <= fromFiles.produced_at).toBe(true);
      } finally {
        renameSync(`${dcat}.hidden`, dcat);
      }
      expect(fromCatalog.artifacts.length).toBeGreaterThan(0);
      expect(fromCatalog.extents.temporal).toEqual({ start: '2017-01-01', end: '2017-12-31' });
    }
  });

  it('names a catalog that is missing, not JSON, or of another version', async () => {
    const slug = 'ks_counties';
    const dvid = project.dvids[slug];
    const dcat = join(project.paths.dataDir, 'catalog', slug, dvid, 'dcat.jsonld');
    const original = readFileSync(dcat, 'utf8');
    const error = () => readCatalogVersion(project.paths.dataDir, project.store, slug, dvid).then(() => undefined, (e: unknown) => e as KfmError);
    try {
      writeFileSync(dcat, '{ not json');
      expect(await error()).toMatchObject({ code: 'store', message: expect.stringContaining(`data/catalog/${slug}/${dvid}/dcat.jsonld is not JSON`) });
      writeFileSync(dcat, original.replace(`"kfm:dataset_version_id": "${dvid}"`, '"kfm:dataset_version_id": "2017.00000000"'));
      expect(await error()).toMatchObject({ code: 'store', message: `data/catalog/${slug}/${dvid}/dcat.jsonld is not the catalog of ${slug}@${dvid}: run kfm catalog ${slug}@${dvid} to regenerate it` });
    } finally {
      writeFileSync(dcat, original);
    }
    expect(() => catalogFacts(project.paths.dataDir, slug, '2017.00000000')).toThrow(`${slug}@2017.00000000 has no catalog (no data/catalog/${slug}/2017.00000000/dcat.jsonld): run kfm catalog ${slug}@2017.00000000 first`);
  });
});
