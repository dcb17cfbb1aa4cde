/**
 * Projections and rollback on a small project through the real CLI: the kfmfile's
 * `projections` checked (a located kfmfile error), a spec's own tile zoom range, a build
 * keeping the latest published version projected, and a rollback killed after its signed
 * decision that the next build completes (registry and projections) with nothing lost.
 */
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { KFMFILE_HEADER, RIG_POLICY, useCliRigs } from '../support/cliRig.js';

const newRig = useCliRigs();

const POINTS = `import type { TaskContext } from 'kfm';
export default async function points(ctx: TaskContext<{ n: number }>): Promise<void> {
  const features = Array.from({ length: ctx.params.n }, (_, i) => ({ type: 'Feature', properties: { id: i, name: 'place ' + i }, geometry: { type: 'Point', coordinates: [-97 + i / 10, 38 + i / 20] } }));
  await ctx.output('points.geojson', JSON.stringify({ type: 'FeatureCollection', features }), 'application/geo+json');
}
`;

const kfmfile = (n: number, options: string, specExtra = '') => `${KFMFILE_HEADER}export default defineKfm({ ${options}datasets: [
  dataset({ ...spec('pts'), ${specExtra} }, [task('make', { run: './points.ts', params: { n: ${n} } })], { slice: '2019' }),
] });
`;

describe('projections and rollback on a rig project', () => {
  it('a projections option that is not right is a kfmfile error naming it (exit 2)', async () => {
    const rig = newRig({ 'kfmfile.ts': kfmfile(3, "projections: { targets: ['sqlite', 'maps'] }, "), 'points.ts': POINTS });
    const bad = await rig.run(['build']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('projections.targets must be a list of sqlite, search, postgis, tiles (got ["sqlite","maps"])');
    rig.write({ 'kfmfile.ts': kfmfile(3, 'projections: { tiles: { minzoom: 9, maxzoom: 3 } }, ') });
    expect((await rig.run(['build'])).stderr).toContain('projections.tiles zoom range {"minzoom":9,"maxzoom":3} is not integers 0 ≤ minzoom ≤ maxzoom ≤ 24');
    rig.write({ 'kfmfile.ts': kfmfile(3, "projections: { sqlite: { path: '../elsewhere.sqlite' } }, ") });
    expect((await rig.run(['build'])).stderr).toContain('projections.sqlite.path "../elsewhere.sqlite" must be a relative path inside the project');
  });

  it("uses the spec's tile zoom range; a killed rollback is completed by the next build, registry and projections", async () => {
    const options = "projections: { targets: ['sqlite', 'tiles'] }, ";
    const zoom = 'tiles: { minzoom: 2, maxzoom: 4 }';
    const rig = newRig({ 'kfmfile.ts': kfmfile(3, options, zoom), 'points.ts': POINTS, 'kfm.policy.json': RIG_POLICY });
    const first = await rig.buildJson();
    const good = first.report.versions[0]!.dataset_version_id;
    expect(first.report.versions[0]!.stages.find((s) => s.stage === 'kfm:project')).toMatchObject({ status: 'skipped', reason: 'pts has no published version yet (kfm promote one)' });
    expect((await rig.run(['promote', `pts@${good}`])).code).toBe(0);
    const projected = await rig.buildJson();
    expect(projected.report.versions[0]!.stages.find((s) => s.stage === 'kfm:project')).toMatchObject({ status: 'executed', reason: `projected pts@${good}: sqlite loaded, tiles loaded` });
    const manifest = JSON.parse(rig.read(`projections/tiles/pts/${good}.tiles.json`)) as { minzoom: number; maxzoom: number; feature_count: number };
    expect(manifest).toMatchObject({ minzoom: 2, maxzoom: 4, feature_count: 3 });

    // A second version (5 points), promoted and projected; then a rollback killed after its decision.
    rig.write({ 'kfmfile.ts': kfmfile(5, options, zoom) });
    const second = await rig.buildJson();
    const bad = second.report.versions[0]!.dataset_version_id;
    expect(bad).not.toBe(good);
    expect((await rig.run(['promote', `pts@${bad}`])).code).toBe(0);
    expect((await rig.buildJson()).report.versions[0]!.stages.find((s) => s.stage === 'kfm:project')).toMatchObject({ status: 'executed', reason: `projected pts@${bad}: sqlite loaded, tiles loaded` });
    const killed = await rig.run(['rollback', 'pts', '--to', good, '--reason', 'five points is wrong'], { env: { KFM_TEST_CRASH_AT: 'rollback-recorded:1' } });
    expect(killed.signal, killed.stdout + killed.stderr).toBe('SIGKILL');
    expect(JSON.parse(rig.read('registry/pts.json'))).toMatchObject({ latest_version_id: bad });
    const verify = await rig.run(['receipts', 'verify']);
    expect(verify.code).toBe(1);
    expect(verify.stdout + verify.stderr).toContain(`latest_version_id is ${bad}, but the ledger's last rollback of pts`);

    const after = await rig.buildJson();
    expect(after.result.code, after.result.stderr).toBe(0);
    const registry = JSON.parse(rig.read('registry/pts.json')) as { latest_version_id: string; versions: { dataset_version_id: string; status: string }[] };
    expect(registry.latest_version_id).toBe(good);
    expect(registry.versions.map((v) => [v.dataset_version_id, v.status])).toEqual([
      [good, 'published'],
      [bad, 'superseded'],
    ]);
    expect(after.report.versions[0]!.stages.find((s) => s.stage === 'kfm:project')).toMatchObject({ status: 'executed', reason: `projected pts@${good}: sqlite unchanged, tiles loaded` });
    const db = new Database(rig.path('projections/kfm.sqlite'), { readonly: true });
    expect(db.prepare("SELECT latest_version_id AS v FROM datasets WHERE dataset_slug = 'pts'").get()).toEqual({ v: good });
    expect(db.prepare("SELECT count(*) AS n FROM current_features WHERE dataset_slug = 'pts'").get()).toEqual({ n: 3 });
    db.close();
    expect((await rig.run(['receipts', 'verify'])).code).toBe(0);
    expect((await rig.run(['rebuild', 'pts', '--check'])).code).toBe(0);
  }, 180_000);
});
