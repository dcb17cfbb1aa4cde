/**
 * The catalog stage on a small project through the real CLI: the kfmfile's catalog.baseUrl
 * makes the absolute links (STAC self, DCAT download URLs) and the catalog still validates
 * offline; a bad base URL is a located kfmfile error; a quarantined version is not catalogued.
 */
import { describe, expect, it } from 'vitest';
import { projectPaths } from '../../engine/load/projectPaths.js';
import { checkCatalog } from '../../stages/catalog/checkCatalog.js';
import { KFMFILE_HEADER, useCliRigs } from '../support/cliRig.js';
import { stacOracle } from '../support/stacOracle.js';

const newRig = useCliRigs();

const POINTS = `import type { TaskContext } from 'kfm';
export default async function points(ctx: TaskContext): Promise<void> {
  const features = [[-97.3, 37.7], [-95.7, 39.05]].map((c, i) => ({ type: 'Feature', properties: { id: i }, geometry: { type: 'Point', coordinates: c } }));
  await ctx.output('points.geojson', JSON.stringify({ type: 'FeatureCollection', features }), 'application/geo+json');
}
`;

const kfmfile = (catalog: string) => `${KFMFILE_HEADER}export default defineKfm({ ${catalog}datasets: [
  dataset(spec('pts'), [task('make', { run: './points.ts' })], { slice: '2019-06' }),
] });
`;

describe('catalog options', () => {
  it('catalog.baseUrl makes the absolute links; the catalog validates, the official STAC schema too', async (ctx) => {
    const rig = newRig({ 'kfmfile.ts': kfmfile("catalog: { baseUrl: 'https://data.example.org/kfm/' }, "), 'points.ts': POINTS });
    const { result, report } = await rig.buildJson();
    expect(result.code, result.stderr).toBe(0);
    const dvid = report.versions[0]!.dataset_version_id;
    const dir = `data/catalog/pts/${dvid}`;
    const collection = JSON.parse(rig.read(`${dir}/stac/collection.json`)) as { links: { rel: string; href: string }[]; extent: unknown };
    expect(collection.links.find((l) => l.rel === 'self')!.href).toBe(`https://data.example.org/kfm/catalog/pts/${dvid}/stac/collection.json`);
    expect(collection.extent).toEqual({ spatial: { bbox: [[-97.3, 37.7, -95.7, 39.05]] }, temporal: { interval: [['2019-06-01T00:00:00Z', '2019-06-30T23:59:59Z']] } });
    const dcat = JSON.parse(rig.read(`${dir}/dcat.jsonld`)) as { 'dcat:distribution': { 'dcat:downloadURL': { '@id': string } }[] };
    expect(dcat['dcat:distribution'].map((d) => d['dcat:downloadURL']['@id'])).toEqual([`https://data.example.org/kfm/processed/pts/${dvid}/points.geojson`]);
    expect((await checkCatalog(projectPaths(rig.path('kfmfile.ts')), 'pts', dvid)).problems).toEqual([]);
    const oracle = stacOracle();
    if (!oracle) return ctx.skip('the STAC oracle schemas are absent');
    expect(oracle.collection(collection), JSON.stringify(oracle.collection.errors)).toBe(true);
    expect(oracle.item(JSON.parse(rig.read(`${dir}/stac/items/points.json`))), JSON.stringify(oracle.item.errors)).toBe(true);
  });

  it('a catalog.baseUrl that is not an absolute URL ending in / is a kfmfile error (exit 2)', async () => {
    const rig = newRig({ 'kfmfile.ts': kfmfile("catalog: { baseUrl: '/srv/data' }, "), 'points.ts': POINTS });
    const r = await rig.run(['build']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('catalog.baseUrl "/srv/data" must be an absolute URL ending in "/"');
  });

  it('a quarantined version is not catalogued: the build skips the stage, kfm catalog refuses (exit 1)', async () => {
    const rig = newRig({ 'kfmfile.ts': kfmfile(''), 'points.ts': POINTS });
    const first = await rig.buildJson();
    const dvid = first.report.versions[0]!.dataset_version_id;
    expect(first.report.versions[0]!.stages[0]).toMatchObject({ status: 'executed', problems: 0 });
    rig.write({ 'registry/pts.json': rig.read('registry/pts.json').replace('"status": "candidate"', '"status": "quarantined"') });
    const again = await rig.buildJson();
    // A retry of a quarantined version says so again and fails the build (QA quarantine).
    expect(again.result.code).toBe(1);
    expect(again.report.versions[0]).toMatchObject({ status: 'quarantined' });
    expect(again.report.versions[0]!.stages[0]).toMatchObject({ status: 'skipped', reason: 'the version is quarantined', receipt: null });
    expect(await rig.run(['catalog', `pts@${dvid}`])).toMatchObject({ code: 1, stderr: `kfm: pts@${dvid} is quarantined: nothing quarantined is catalogued\n` });
  });
});
