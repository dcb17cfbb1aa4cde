/**
 * CatGen on the project's own Kansas pipeline, end to end through the real CLI, in a copy of
 * the project: `kfm build` catalogues each version (DCAT, STAC, PROV under
 * data/catalog/<slug>/<dvid>/) from the receipts of the run that produced it; the STAC files
 * validate against the official STAC 1.1.0 schemas, the DCAT and PROV records against kfm's
 * SHACL shapes; the link checker catches a broken link and a changed digest; `kfm catalog`
 * regenerates identical bytes; a retry build skips CatGen; a reprocess catalogues the new dvid.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectPaths } from '../../engine/load/projectPaths.js';
import { claimedReceipt, readLedgerEntries } from '../../engine/receipts/ledgerReader.js';
import { checkCatalog } from '../../stages/catalog/checkCatalog.js';
import { KFM_BIN, REPO_ROOT } from '../support/cliRig.js';
import { STAC_ORACLE_DIR, stacOracle } from '../support/stacOracle.js';
import { expectValidReport } from './reportSchemas.js';

interface Stage { stage: string; status: string; key: string | null; paths: string[]; receipt: { run_id: string; seq: number } | null; problems: number | null }
interface Report { status: string; versions: { dataset_slug: string; dataset_version_id: string; mode: string; stages: Stage[] }[] }

const SLUGS = ['ks_counties', 'ks_places', 'ks_places_per_county'];

function kfm(dir: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [KFM_BIN, ...args], { cwd: dir, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
function build(dir: string): Report {
  const r = kfm(dir, 'build', '--json');
  expect(r.code, r.stderr).toBe(0);
  const report = JSON.parse(r.stdout) as Report;
  expectValidReport('build', report);
  return report;
}
const json = (dir: string, rel: string) => JSON.parse(readFileSync(join(dir, 'data', rel), 'utf8')) as Record<string, unknown>;
async function catalogReceipts(dir: string): Promise<string[]> {
  const entries = await readLedgerEntries(join(dir, '.kfm'));
  return entries.flatMap((e) => {
    const r = claimedReceipt(e);
    return r?.operation === 'catalog' ? [`${r.dataset_slug}@${r.dataset_version_id}`] : [];
  });
}
function snapshot(dir: string, slug: string, dvid: string): Map<string, string> {
  const root = join(dir, 'data', 'catalog', slug, dvid);
  const out = new Map<string, string>();
  for (const rel of readdirSync(root, { recursive: true }) as string[]) {
    if (rel.startsWith('receipts') || !rel.includes('.')) continue;
    out.set(rel, readFileSync(join(root, rel), 'utf8'));
  }
  return out;
}

describe('catalogs of the Kansas pipeline', () => {
  let dir: string;
  let first: Report;
  const dvid = (slug: string, r: Report = first) => r.versions.find((v) => v.dataset_slug === slug)!.dataset_version_id;

  beforeAll(() => {
    mkdirSync(join(REPO_ROOT, '.kfm-test'), { recursive: true });
    dir = mkdtempSync(join(REPO_ROOT, '.kfm-test', 'catalog-'));
    cpSync(join(REPO_ROOT, 'kfmfile.ts'), join(dir, 'kfmfile.ts'));
    cpSync(join(REPO_ROOT, 'tasks'), join(dir, 'tasks'), { recursive: true });
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'));
    first = build(dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('catalogues every version in the build, with one catalog receipt each, and the catalogs are valid (SHACL included)', async () => {
    for (const v of first.versions) {
      expect(v.stages).toHaveLength(1);
      const s = v.stages[0]!;
      expect(s).toMatchObject({ stage: 'kfm:catalog', status: 'executed', problems: 0 });
      expect(s.paths).toEqual(expect.arrayContaining([`catalog/${v.dataset_slug}/${v.dataset_version_id}/dcat.jsonld`, `catalog/${v.dataset_slug}/${v.dataset_version_id}/prov/bundle.jsonld`]));
      const check = await checkCatalog(projectPaths(join(dir, 'kfmfile.ts')), v.dataset_slug, v.dataset_version_id);
      expect(check.problems).toEqual([]);
      expect(check.files.map((f) => f.path.split('/').slice(3).join('/'))).toEqual(['dcat.jsonld', 'stac/collection.json', `stac/items/${v.dataset_slug}.json`, 'prov/bundle.jsonld']);
    }
    expect(await catalogReceipts(dir)).toEqual(SLUGS.map((s) => `${s}@${dvid(s)}`));
  });

  it('STAC Collection and Items validate against the official STAC 1.1.0 schemas', (ctx) => {
    const oracle = stacOracle();
    if (!oracle) return ctx.skip(`the STAC oracle schemas are not at ${STAC_ORACLE_DIR}`);
    for (const slug of SLUGS) {
      const base = `catalog/${slug}/${dvid(slug)}/stac`;
      const collection = json(dir, `${base}/collection.json`);
      expect(oracle.collection(collection), JSON.stringify(oracle.collection.errors)).toBe(true);
      const item = json(dir, `${base}/items/${slug}.json`);
      expect(oracle.item(item), JSON.stringify(oracle.item.errors)).toBe(true);
      // The oracle is strict where it must be: STAC 1.1 rejects a relative self link.
      const relative = { ...collection, links: (collection.links as { rel: string }[]).map((l) => (l.rel === 'self' ? { ...l, href: './collection.json' } : l)) };
      expect(oracle.collection(relative)).toBe(false);
    }
  });

  it('has extents computed from the data and the slice, and digests on every asset', () => {
    const c = json(dir, `catalog/ks_counties/${dvid('ks_counties')}/stac/collection.json`) as {
      id: string; extent: { spatial: { bbox: number[][] }; temporal: { interval: string[][] } }; assets: Record<string, Record<string, string>>; links: { rel: string; href: string }[];
    };
    expect(c.id).toBe(`ks_counties_${dvid('ks_counties')}`);
    const [w, s, e, n] = c.extent.spatial.bbox[0]!;
    // Kansas: −102.0529, 36.9928, −94.6015, 40.0029 (us-atlas 10m counties).
    expect([w, s, e, n].map((x) => Math.round(x! * 100) / 100)).toEqual([-102.05, 36.99, -94.6, 40]);
    expect(c.extent.temporal.interval).toEqual([['2017-01-01T00:00:00Z', '2017-12-31T23:59:59Z']]);
    for (const a of Object.values(c.assets)) {
      expect(a['kfm:digest']).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(a['checksum:multihash']).toBe(`1220${a['kfm:digest']!.slice(7)}`);
    }
    expect(c.links.find((l) => l.rel === 'self')!.href).toBe(`kfm://data/catalog/ks_counties/${dvid('ks_counties')}/stac/collection.json`);
    expect(c.links.find((l) => l.rel === 'describedby')!.href).toBe('../dcat.jsonld');
    expect(c.links.find((l) => l.rel === 'via')!.href).toBe('../prov/bundle.jsonld');
  });

  it('PROV: an Activity per receipted run of the producing build, an Entity per artifact', () => {
    const graph = json(dir, `catalog/ks_counties/${dvid('ks_counties')}/prov/bundle.jsonld`)['@graph'] as Record<string, unknown>[];
    const activities = graph.filter((n) => n['@type'] === 'prov:Activity');
    expect(activities.map((a) => a['kfm:node'])).toEqual(['ks_counties/ingest', 'ks_counties/transform', 'ks_counties/qa']);
    const receipts = readdirSync(join(dir, 'data/catalog/ks_counties', dvid('ks_counties'), 'receipts')).map((f) => `kfm://run/${f.slice(0, -5)}`);
    for (const a of activities) {
      expect(receipts).toContain(a['@id']);
      expect(a['kfm:spec_hash']).toMatch(/^sha256:/);
      expect(a['prov:startedAtTime']).toMatchObject({ '@type': 'xsd:dateTime' });
    }
    const entities = graph.filter((n) => Array.isArray(n['@type']) && (n['@type'] as string[]).includes('kfm:Artifact'));
    expect(entities.map((e) => e['kfm:zone']).sort()).toEqual(['processed', 'processed', 'raw', 'raw']);
  });

  it('ks_places carries the GeoNames CC BY 4.0 attribution into DCAT and STAC', () => {
    const d = json(dir, `catalog/ks_places/${dvid('ks_places')}/dcat.jsonld`);
    expect(d['@id']).toBe(`kfm://dataset/ks_places@${dvid('ks_places')}`);
    expect(d['dct:license']).toBe('CC-BY-4.0');
    expect(d['dct:rights']).toContain('licensed under CC BY 4.0');
    expect(d['dct:rights']).toContain('GeoNames');
    expect(d['kfm:policy_label']).toBe('public');
    const c = json(dir, `catalog/ks_places/${dvid('ks_places')}/stac/collection.json`) as { license: string; providers: { name: string; description?: string; roles: string[] }[] };
    expect(c.license).toBe('CC-BY-4.0');
    expect(c.providers[0]).toMatchObject({ name: 'GeoNames', roles: ['licensor', 'producer'] });
    expect(c.providers[0]!.description).toContain('CC BY 4.0');
    // Public-domain Census data has no SPDX id: STAC says "other" and keeps the spec's value.
    expect(json(dir, `catalog/ks_counties/${dvid('ks_counties')}/stac/collection.json`)).toMatchObject({ license: 'other', 'kfm:license': 'public-domain' });
  });

  it('a retry build skips CatGen and signs no catalog receipt', async () => {
    const before = await catalogReceipts(dir);
    const again = build(dir);
    for (const v of again.versions) expect(v.stages[0]).toMatchObject({ status: 'cached', receipt: null, key: first.versions.find((f) => f.dataset_slug === v.dataset_slug)!.stages[0]!.key });
    expect(await catalogReceipts(dir)).toEqual(before);
    const plain = kfm(dir, 'build');
    expect(plain.stdout).toContain(`catalog  ks_counties@${dvid('ks_counties')}: cached\n`);
  });

  it('kfm catalog regenerates byte-identical files, validates and signs a catalog receipt', async () => {
    const slug = 'ks_places';
    const before = snapshot(dir, slug, dvid(slug));
    const receipts = (await catalogReceipts(dir)).length;
    const r1 = kfm(dir, 'catalog', `${slug}@${dvid(slug)}`, '--json');
    expect(r1.code, r1.stderr).toBe(0);
    const report = JSON.parse(r1.stdout) as { status: string; problems: unknown[]; files: { path: string }[] };
    expectValidReport('catalog', report);
    expect(report).toMatchObject({ status: 'valid', problems: [] });
    expect(snapshot(dir, slug, dvid(slug))).toEqual(before);
    const r2 = kfm(dir, 'catalog', `${slug}@${dvid(slug)}`);
    expect(r2.code).toBe(0);
    expect(r2.stdout).toContain(`catalog ${slug}@${dvid(slug)}: valid (schemas, SHACL, links, digests)\n`);
    expect(snapshot(dir, slug, dvid(slug))).toEqual(before);
    expect((await catalogReceipts(dir)).length).toBe(receipts + 2);
    expect(kfm(dir, 'catalog', `${slug}@2017.ffffffff`).code).toBe(2);
    expect(kfm(dir, 'catalog', 'no_such@2017.ffffffff').code).toBe(2);
    expect(kfm(dir, 'catalog', slug).code).toBe(2);
  });

  it('SHACL fails on a broken PROV bundle; the link checker catches a broken link and a changed digest; kfm catalog restores them', async () => {
    const slug = 'ks_counties';
    const v = dvid(slug);
    const paths = projectPaths(join(dir, 'kfmfile.ts'));
    const dirOf = `catalog/${slug}/${v}`;
    const edit = (rel: string, change: (doc: Record<string, unknown>) => void) => {
      const doc = json(dir, rel);
      change(doc);
      const file = join(dir, 'data', rel);
      rmSync(file, { force: true });
      writeFileSync(file, JSON.stringify(doc, null, 2));
    };
    // An activity associated with an agent the bundle does not declare: valid JSON for the schema, not for the shapes.
    edit(`${dirOf}/prov/bundle.jsonld`, (d) => {
      const a = (d['@graph'] as Record<string, unknown>[]).find((n) => n['@type'] === 'prov:Activity')!;
      a['prov:wasAssociatedWith'] = { '@id': 'kfm://agent/nobody' };
    });
    edit(`${dirOf}/stac/collection.json`, (d) => {
      (d.links as { rel: string; href: string }[]).find((l) => l.rel === 'describedby')!.href = '../no-such-dcat.jsonld';
    });
    edit(`${dirOf}/stac/items/${slug}.json`, (d) => {
      (d.assets as Record<string, Record<string, string>>).data!['kfm:digest'] = `sha256:${'0'.repeat(64)}`;
    });
    const check = await checkCatalog(paths, slug, v);
    const found = check.problems.map((p) => `${p.check} ${p.file.slice(dirOf.length + 1)}`);
    expect(found).toContain('shacl prov/bundle.jsonld');
    expect(found).toContain('link stac/collection.json');
    expect(found).toContain(`digest stac/items/${slug}.json`);
    expect(check.problems.find((p) => p.check === 'link')!.message).toContain('no-such-dcat.jsonld');
    expect(found.filter((f) => f.startsWith('schema'))).toEqual([]);

    const bad = kfm(dir, 'catalog', `${slug}@${v}`);
    expect(bad.code, bad.stdout + bad.stderr).toBe(0);
    expect((await checkCatalog(paths, slug, v)).problems).toEqual([]);

    // A processed artifact replaced behind kfm's back: its asset digests no longer match its bytes.
    const geojson = join(dir, 'data/processed', slug, v, `${slug}.geojson`);
    const bytes = readFileSync(geojson);
    rmSync(geojson);
    writeFileSync(geojson, Buffer.concat([bytes, Buffer.from(' ')]));
    const tampered = await checkCatalog(paths, slug, v);
    expect(tampered.problems.filter((p) => p.check === 'digest').map((p) => p.file)).toEqual(
      expect.arrayContaining([`${dirOf}/stac/collection.json`, `${dirOf}/stac/items/${slug}.json`, `${dirOf}/dcat.jsonld`]),
    );
    rmSync(geojson);
    writeFileSync(geojson, bytes);
  });

  it('a spec change (reprocess) catalogues the new version; the others stay cached', async () => {
    const kfmfile = readFileSync(join(dir, 'kfmfile.ts'), 'utf8');
    const edited = kfmfile.replace("title: 'Kansas counties',", "title: 'Kansas counties (edited)',");
    expect(edited).not.toBe(kfmfile);
    writeFileSync(join(dir, 'kfmfile.ts'), edited);
    const r = build(dir);
    const counties = r.versions.find((v) => v.dataset_slug === 'ks_counties')!;
    expect(counties.mode).toBe('reprocess');
    expect(counties.dataset_version_id).not.toBe(dvid('ks_counties'));
    expect(counties.stages[0]).toMatchObject({ status: 'executed', problems: 0 });
    expect(r.versions.find((v) => v.dataset_slug === 'ks_places')!.stages[0]!.status).toBe('cached');
    expect(json(dir, `catalog/ks_counties/${counties.dataset_version_id}/dcat.jsonld`)['dct:title']).toBe('Kansas counties (edited)');
    expect(json(dir, `catalog/ks_counties/${dvid('ks_counties')}/dcat.jsonld`)['dct:title']).toBe('Kansas counties');
    expect((await checkCatalog(projectPaths(join(dir, 'kfmfile.ts')), 'ks_counties', counties.dataset_version_id)).problems).toEqual([]);
  });
});
