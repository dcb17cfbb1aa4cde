/**
 * The project's own Kansas pipeline, end to end through the real CLI, in a copy of the
 * project (kfmfile.ts and tasks/, with node_modules linked): a clean build of the three
 * datasets from the real data, a rebuild that executes nothing, and a parameter edit that
 * reruns exactly that node and its dependents.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const kfm = join(repo, 'bin', 'kfm.js');

interface Report {
  status: string;
  nodes: { id: string; status: string; key: string }[];
  versions: { dataset_slug: string; dataset_version_id: string }[];
}

function build(dir: string, ...args: string[]): { code: number; report: Report } {
  const r = spawnSync(process.execPath, [kfm, 'build', '--json', ...args], { cwd: dir, encoding: 'utf8' });
  return { code: r.status ?? -1, report: JSON.parse(r.stdout) as Report };
}

const byStatus = (r: Report, status: string) => r.nodes.filter((n) => n.status === status).map((n) => n.id);

describe('the Kansas pipeline', () => {
  let dir: string;

  beforeAll(() => {
    mkdirSync(join(repo, '.kfm-test'), { recursive: true });
    dir = mkdtempSync(join(repo, '.kfm-test', 'kansas-'));
    cpSync(join(repo, 'kfmfile.ts'), join(dir, 'kfmfile.ts'));
    cpSync(join(repo, 'tasks'), join(dir, 'tasks'), { recursive: true });
    symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('builds all three datasets, then caches every node, then reruns exactly what a param edit affects', () => {
    const first = build(dir);
    expect(first.code).toBe(0);
    expect(first.report.status).toBe('succeeded');
    const all = [
      'ks_counties/ingest',
      'ks_counties/qa',
      'ks_counties/transform',
      'ks_places/ingest',
      'ks_places/qa',
      'ks_places/transform',
      'ks_places_per_county/join',
      'ks_places_per_county/qa',
    ];
    expect(byStatus(first.report, 'executed')).toEqual(all);

    const counties = JSON.parse(
      readFileSync(join(dir, 'data/processed/ks_counties', first.report.versions[0]!.dataset_version_id, 'ks_counties.geojson'), 'utf8'),
    ) as { features: { properties: { geoid: string } }[] };
    expect(counties.features).toHaveLength(105);
    expect(counties.features.every((f) => f.properties.geoid.startsWith('20'))).toBe(true);
    const places = JSON.parse(
      readFileSync(join(dir, 'data/processed/ks_places', first.report.versions[1]!.dataset_version_id, 'ks_places.geojson'), 'utf8'),
    ) as { features: unknown[]; attribution: string };
    expect(places.features).toHaveLength(216);
    expect(places.attribution).toContain('GeoNames');

    const second = build(dir);
    expect(second.code).toBe(0);
    expect(byStatus(second.report, 'cached')).toEqual(all);
    expect(byStatus(second.report, 'executed')).toEqual([]);
    const dvids = (r: Report) => r.versions.map((v) => `${v.dataset_slug}@${v.dataset_version_id}`);
    expect(dvids(second.report)).toEqual(dvids(first.report));

    // A param edit: the places transform's attribution text. Its output bytes change, so it,
    // its QA, the join that reads it and the join's QA rerun; nothing of ks_counties does.
    const kfmfile = readFileSync(join(dir, 'kfmfile.ts'), 'utf8');
    const attributionEdit = kfmfile.replace('      attribution: GEONAMES_ATTRIBUTION,\n', "      attribution: GEONAMES_ATTRIBUTION + ' Edited.',\n");
    expect(attributionEdit).not.toBe(kfmfile);
    writeFileSync(join(dir, 'kfmfile.ts'), attributionEdit);
    const third = build(dir);
    expect(third.code).toBe(0);
    expect(byStatus(third.report, 'executed')).toEqual([
      'ks_places/qa',
      'ks_places/transform',
      'ks_places_per_county/join',
      'ks_places_per_county/qa',
    ]);
    expect(byStatus(third.report, 'cached')).toEqual(['ks_counties/ingest', 'ks_counties/qa', 'ks_counties/transform', 'ks_places/ingest']);

    // Early cutoff: renaming the counties output reruns the transform, its QA and the join,
    // but the join writes the same bytes, so the join's QA stays cached.
    const renameEdit = attributionEdit.replace("const COUNTIES_GEOJSON = 'ks_counties.geojson';", "const COUNTIES_GEOJSON = 'counties.geojson';");
    expect(renameEdit).not.toBe(attributionEdit);
    writeFileSync(join(dir, 'kfmfile.ts'), renameEdit);
    const fourth = build(dir);
    expect(fourth.code).toBe(0);
    expect(byStatus(fourth.report, 'executed')).toEqual(['ks_counties/qa', 'ks_counties/transform', 'ks_places_per_county/join']);
    expect(byStatus(fourth.report, 'cached')).toEqual([
      'ks_counties/ingest',
      'ks_places/ingest',
      'ks_places/qa',
      'ks_places/transform',
      'ks_places_per_county/qa',
    ]);
    // The earlier version's files are still there, untouched.
    const oldPath = join(dir, 'data/processed/ks_counties', first.report.versions[0]!.dataset_version_id, 'ks_counties.geojson');
    expect(statSync(oldPath).isFile()).toBe(true);
  });

  it('plans without running anything', () => {
    const out = execFileSync(process.execPath, [kfm, 'plan'], { cwd: dir, encoding: 'utf8' });
    expect(out).toMatch(/^plan: \d+ to run, \d+ pending on upstream, \d+ cached$/m);
  });
});
