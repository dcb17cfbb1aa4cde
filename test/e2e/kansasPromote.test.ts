/**
 * The Kansas pipeline publishes, in a copy of the project (kfmfile.ts, tasks/ and the
 * committed kfm.policy.json, with node_modules linked): `kfm build`, then `kfm promote` of
 * ks_counties (public domain), ks_places (CC-BY-4.0, with its GeoNames attribution) and
 * ks_places_per_county passes every gate; `kfm validate` is all PASS; a rebuild executes
 * nothing and moves no pointer; a reprocess makes a candidate that stays unpublished until
 * it is promoted.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KFM_BIN, REPO_ROOT } from '../support/cliRig.js';
import { expectValidReport } from './reportSchemas.js';

const SLUGS = ['ks_counties', 'ks_places', 'ks_places_per_county'];

describe('the Kansas pipeline promotes', () => {
  let dir: string;
  let config: string;
  const run = (...args: string[]) => {
    const r = spawnSync(process.execPath, [KFM_BIN, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, XDG_CONFIG_HOME: config } });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const registry = (slug: string) => readFileSync(join(dir, 'registry', `${slug}.json`), 'utf8');
  const latest = (slug: string) => (JSON.parse(registry(slug)) as { latest_version_id: string | null }).latest_version_id;

  beforeAll(() => {
    mkdirSync(join(REPO_ROOT, '.kfm-test'), { recursive: true });
    dir = mkdtempSync(join(REPO_ROOT, '.kfm-test', 'kansas-promote-'));
    config = mkdtempSync(join(REPO_ROOT, '.kfm-test', 'kansas-promote-config-'));
    for (const f of ['kfmfile.ts', 'kfm.policy.json']) cpSync(join(REPO_ROOT, f), join(dir, f));
    cpSync(join(REPO_ROOT, 'tasks'), join(dir, 'tasks'), { recursive: true });
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(config, { recursive: true, force: true });
  });

  it('build, promote all three (every gate PASS), validate all PASS; a rebuild moves nothing; a reprocess stays a candidate until promoted', () => {
    const first = run('build', '--json');
    expect(first.code, first.stderr).toBe(0);
    const versions = new Map((JSON.parse(first.stdout) as { versions: { dataset_slug: string; dataset_version_id: string }[] }).versions.map((v) => [v.dataset_slug, v.dataset_version_id]));
    expect([...versions.keys()].sort()).toEqual(SLUGS);
    for (const slug of SLUGS) expect(latest(slug)).toBeNull();

    const licence = new Map<string, string>();
    for (const slug of SLUGS) {
      const target = `${slug}@${versions.get(slug)!}`;
      const r = run('promote', '--json', target);
      const report = JSON.parse(r.stdout) as { status: string; overall: string; gates: { gate: string; answer: string; reasons: string[] }[] };
      expectValidReport('promote', report);
      expect([slug, r.code, report.status, report.gates.filter((g) => g.answer !== 'PASS')]).toEqual([slug, 0, 'promoted', []]);
      expect(latest(slug)).toBe(versions.get(slug));
      licence.set(slug, report.gates.find((g) => g.gate === 'B')!.reasons[0]!);
      const validate = run('validate', '--json', target);
      const checklist = JSON.parse(validate.stdout) as { status: string; items: { name: string; status: string; reasons: string[] }[] };
      expectValidReport('validate', checklist);
      expect([slug, validate.code, checklist.items.filter((i) => i.status !== 'PASS')]).toEqual([slug, 0, []]);
      expect(checklist.items.map((i) => i.name)).toEqual(['schemas', 'cross-links', 'policy', 'spec-hash-drift', 'receipts-and-digests', 'ledger-entry', 'lineage']);
    }
    // Public domain asks for nothing; GeoNames's CC-BY-4.0 asks for attribution, and gate B names what was captured.
    expect(licence.get('ks_counties')).toBe('licence public-domain is allowed and asks for no attribution');
    expect(licence.get('ks_places')).toBe('licence CC-BY-4.0 is allowed; attribution captured: "Contains place data from GeoNames (https://www.geonames.o..."');
    expect(run('promote', `ks_places@${versions.get('ks_places')!}`)).toMatchObject({ code: 0, stdout: `ks_places@${versions.get('ks_places')!} is already the latest version (registry/ks_places.json): nothing to do\n` });
    const manifest = JSON.parse(readFileSync(join(dir, 'data/catalog/ks_places', versions.get('ks_places')!, 'promotion_manifest.json'), 'utf8')) as { artifacts: { path: string }[]; catalogs: { path: string }[]; qa: { status: string } };
    expect(manifest.qa.status).toBe('pass');
    expect(manifest.artifacts.map((a) => a.path)).toContain(`processed/ks_places/${versions.get('ks_places')!}/ks_places.geojson`);
    expect(manifest.catalogs.map((c) => c.path)).toEqual(expect.arrayContaining([`catalog/ks_places/${versions.get('ks_places')!}/dcat.jsonld`, `catalog/ks_places/${versions.get('ks_places')!}/prov/bundle.jsonld`]));
    expect(run('receipts', 'verify').code).toBe(0);

    // A rebuild executes nothing and moves no pointer (no registry byte changes).
    const before = SLUGS.map(registry);
    const again = run('build', '--json');
    expect(again.code).toBe(0);
    expect((JSON.parse(again.stdout) as { counts: { executed: number } }).counts.executed).toBe(0);
    expect(SLUGS.map(registry)).toEqual(before);

    // A reprocess (a stricter QA threshold for the counties) is a new candidate; the published version stays the latest.
    const kfmfile = readFileSync(join(dir, 'kfmfile.ts'), 'utf8');
    expect(kfmfile).toContain("{ name: 'bbox_inside', threshold: '>= 0.999' }");
    writeFileSync(join(dir, 'kfmfile.ts'), kfmfile.replace("{ name: 'bbox_inside', threshold: '>= 0.999' }", "{ name: 'bbox_inside', threshold: '>= 0.9999' }"));
    const reprocess = run('build', '--json', 'ks_counties');
    expect(reprocess.code, reprocess.stderr).toBe(0);
    const v2 = (JSON.parse(reprocess.stdout) as { versions: { dataset_version_id: string; mode: string }[] }).versions[0]!;
    expect(v2.mode).toBe('reprocess');
    expect(v2.dataset_version_id).not.toBe(versions.get('ks_counties'));
    const status = JSON.parse(run('status', '--json', 'ks_counties').stdout) as { datasets: { latest_version_id: string; versions: { dataset_version_id: string; status: string }[] }[] };
    expect(status.datasets[0]!.latest_version_id).toBe(versions.get('ks_counties'));
    expect(status.datasets[0]!.versions.map((v) => [v.dataset_version_id, v.status])).toEqual([
      [versions.get('ks_counties'), 'published'],
      [v2.dataset_version_id, 'candidate'],
    ]);
    const promoted = run('promote', `ks_counties@${v2.dataset_version_id}`);
    expect(promoted.code, promoted.stdout).toBe(0);
    expect(latest('ks_counties')).toBe(v2.dataset_version_id);
    expect(run('validate', `ks_counties@${v2.dataset_version_id}`).code).toBe(0);
    expect(run('receipts', 'verify').code).toBe(0);
  });
});
