/** CatGen's pure parts: slice intervals, GeoJSON extents, EvidenceRefs, relative hrefs, the producing build's receipts, PROV's generalization method, conflicts, the base URL option. */
import { describe, expect, it } from 'vitest';
import { sha256 } from '../../../core/digest.js';
import { KfmError } from '../../../core/error.js';
import type { KfmConfig } from '../../../core/kfmConfig.js';
import { catalogBaseUrl } from '../../../engine/graph/catalogBaseUrl.js';
import { KfmfileLocator } from '../../../engine/graph/kfmfileLocator.js';
import type { LedgerEntry } from '../../../store/ledger/ledger.js';
import type { RunReceipt } from '../../../store/receipts/runReceipt.js';
import { catalogConflict } from '../../../stages/catalog/catalogConflict.js';
import { relativeHref } from '../../../stages/catalog/catalogLayout.js';
import type { CatalogSources } from '../../../stages/catalog/catalogSources.js';
import { parseEvidenceRef } from '../../../stages/catalog/evidenceRef.js';
import { firstBuildReceipts, type CitedReceipt } from '../../../stages/catalog/firstBuildReceipts.js';
import { geojsonBbox } from '../../../stages/catalog/geojsonBbox.js';
import { provBundle } from '../../../stages/catalog/provBundle.js';
import { sliceInterval } from '../../../stages/catalog/sliceInterval.js';

const D = (c: string) => `sha256:${c.repeat(64)}` as const;

function receipt(over: Partial<RunReceipt> & { run_id: string; created_at: string }): RunReceipt {
  return {
    kfm_run_receipt_version: 'v1',
    operation: 'transform',
    mode: 'new',
    mode_reason: 'x',
    actor: { principal: 'ana', role: 'operator' },
    dataset_slug: 'ks',
    dataset_version_id: '2017.aaaaaaaa',
    spec_hash: D('a'),
    inputs: [{ artifact_id: `kfm://artifact/${D('1')}`, zone: 'raw', uri: 'data/raw/ks/x/in.csv', digest: D('1') }],
    outputs: [{ artifact_id: `kfm://artifact/${D('2')}`, zone: 'processed', path: 'processed/ks/2017.aaaaaaaa/out.geojson', digest: D('2'), media_type: 'application/geo+json' }],
    environment: { git_commit: null, runtime: { kfm_version: '0', node_version: 'v20', platform: 'linux' }, params_digest: D('3'), parameters: {} },
    validation: { status: 'not_applicable', reports: [] },
    policy: { policy_label: 'public', decision_id: 'kfm://policy_decision/x', obligations: [] },
    timestamps: { started_at: '2026-01-01T00:00:00.000Z', ended_at: '2026-01-01T00:00:01.000Z' },
    node: 'ks/t',
    ...over,
  };
}

function entry(seq: number, r: RunReceipt): LedgerEntry {
  const payload = Buffer.from(JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', subject: [], predicateType: 'https://kfm.dev/run-receipt/v1', predicate: r })).toString('base64');
  const envelope = JSON.stringify({ payload, payloadType: 'application/vnd.in-toto+json', signatures: [] });
  return { seq, prevHash: D('0'), entryHash: D('f'), kind: 'run_receipt', datasetSlug: r.dataset_slug, datasetVersionId: r.dataset_version_id, runId: r.run_id, envelope, createdAt: r.created_at };
}

describe('CatGen parts', () => {
  it('turns a slice into its UTC interval, to the second', () => {
    expect(sliceInterval('2017')).toEqual({ start: '2017-01-01T00:00:00Z', end: '2017-12-31T23:59:59Z' });
    expect(sliceInterval('2016-02')).toEqual({ start: '2016-02-01T00:00:00Z', end: '2016-02-29T23:59:59Z' });
    expect(sliceInterval('2017-06-30')).toEqual({ start: '2017-06-30T00:00:00Z', end: '2017-06-30T23:59:59Z' });
    expect(() => sliceInterval('2017-02-30')).toThrow(KfmError);
    expect(() => sliceInterval('17')).toThrow(KfmError);
  });

  it('computes a GeoJSON bbox from every position, and none without positions', () => {
    const fc = {
      type: 'FeatureCollection',
      features: [
        { type: 'Feature', geometry: { type: 'Point', coordinates: [-98, 38] }, properties: {} },
        { type: 'Feature', geometry: { type: 'MultiPolygon', coordinates: [[[[-100, 37], [-95, 37], [-95, 40], [-100, 37]]]] }, properties: {} },
        { type: 'Feature', geometry: null, properties: {} },
      ],
    };
    expect(geojsonBbox(fc)).toEqual({ bbox: [-100, 37, -95, 40], features: 3 });
    expect(geojsonBbox({ type: 'FeatureCollection', features: [] })).toBeUndefined();
    expect(geojsonBbox('not geojson')).toBeUndefined();
  });

  it('parses EvidenceRefs without network', () => {
    expect(parseEvidenceRef('dcat://ks@2017.aaaaaaaa')).toEqual({ kind: 'file', path: 'catalog/ks/2017.aaaaaaaa/dcat.jsonld' });
    expect(parseEvidenceRef('stac://ks@2017.aaaaaaaa/items/ks')).toEqual({ kind: 'file', path: 'catalog/ks/2017.aaaaaaaa/stac/items/ks.json' });
    expect(parseEvidenceRef('prov://ks@2017.aaaaaaaa')).toEqual({ kind: 'file', path: 'catalog/ks/2017.aaaaaaaa/prov/bundle.jsonld' });
    expect(parseEvidenceRef('doc://processed/ks/2017.aaaaaaaa/a.json')).toEqual({ kind: 'file', path: 'processed/ks/2017.aaaaaaaa/a.json' });
    expect(parseEvidenceRef(`kfm://artifact/${D('1')}`)).toEqual({ kind: 'object', digest: D('1') });
    expect(parseEvidenceRef('kfm://dataset/ks@2017.aaaaaaaa')).toEqual({ kind: 'dataset', slug: 'ks', dvid: '2017.aaaaaaaa' });
    expect(parseEvidenceRef('https://x.org/d/processed/a.json', 'https://x.org/d/')).toEqual({ kind: 'file', path: 'processed/a.json' });
    for (const bad of ['doc://../etc/passwd', 'doc:///abs', 'kfm://artifact/sha256:12', 'stac://ks@2017.aaaaaaaa/other', 'dcat://KS@x', 'https://x.org/a']) {
      expect(parseEvidenceRef(bad), bad).toBeUndefined();
    }
  });

  it('makes hrefs relative to the linking file', () => {
    expect(relativeHref('catalog/ks/v/stac/collection.json', 'catalog/ks/v/dcat.jsonld')).toBe('../dcat.jsonld');
    expect(relativeHref('catalog/ks/v/stac/collection.json', 'catalog/ks/v/stac/items/a.json')).toBe('./items/a.json');
    expect(relativeHref('catalog/ks/v/stac/items/a.json', 'processed/ks/v/a.geojson')).toBe('../../../../../processed/ks/v/a.geojson');
  });

  it('cites the first build whose receipts are complete (a killed build leaves a partial one), and never a retry or catalog receipt', () => {
    const killed = receipt({ run_id: 'kfm://run/20260101T000000Z.ks.00000001', created_at: '2026-01-01T00:00:00.000Z', outputs: [] });
    const done = [1, 2].map((i) => receipt({ run_id: `kfm://run/20260101T000100Z.ks.0000000${i + 1}`, created_at: '2026-01-01T00:01:00.000Z' }));
    const retry = receipt({ run_id: 'kfm://run/20260101T000200Z.ks.00000009', created_at: '2026-01-01T00:02:00.000Z' });
    const catalog = receipt({ run_id: 'kfm://run/20260101T000100Z.ks.0000000c', created_at: '2026-01-01T00:01:00.000Z', operation: 'catalog' });
    const entries = [killed, ...done, catalog, retry].map((r, i) => entry(i + 1, r));
    const complete = (rs: readonly CitedReceipt[]) => rs.some((r) => r.receipt.outputs.length > 0);
    const cited = firstBuildReceipts(entries, 'ks', '2017.aaaaaaaa', complete);
    expect(cited.map((c) => [c.seq, c.receipt.run_id])).toEqual(done.map((r, i) => [i + 2, r.run_id]));
    expect(cited[0]!.path).toBe('catalog/ks/2017.aaaaaaaa/receipts/20260101T000100Z.ks.00000002.json');
    expect(cited[0]!.digest).toBe(sha256(`${entries[1]!.envelope}\n`));
    expect(firstBuildReceipts(entries, 'ks', '2017.bbbbbbbb')).toEqual([]);
  });

  it('PROV: an Activity per receipt, with kfm:generalization_method when its parameters name one', () => {
    const plain = receipt({ run_id: 'kfm://run/20260101T000000Z.ks.00000001', created_at: 'x' });
    const general = receipt({
      run_id: 'kfm://run/20260101T000000Z.ks.00000002',
      created_at: 'x',
      environment: { ...plain.environment, parameters: { generalization_method: 'grid_aggregation_1000' } },
    });
    const numeric = receipt({ run_id: 'kfm://run/20260101T000000Z.ks.00000003', created_at: 'x', environment: { ...plain.environment, parameters: { generalization_method: 5 } } });
    const cite = (r: RunReceipt, i: number): CitedReceipt => ({ receipt: r, seq: i + 1, path: `catalog/ks/2017.aaaaaaaa/receipts/${i}.json`, digest: D('9') });
    const sources = { slug: 'ks', dvid: '2017.aaaaaaaa', specHash: D('a'), receipts: [plain, general, numeric].map(cite) } as unknown as CatalogSources;
    const graph = provBundle(sources)['@graph'] as Record<string, unknown>[];
    const activities = graph.filter((n) => n['@type'] === 'prov:Activity');
    expect(activities.map((a) => a['kfm:generalization_method'])).toEqual([undefined, 'grid_aggregation_1000', undefined]);
    expect(activities[0]).toMatchObject({
      '@id': plain.run_id,
      'prov:startedAtTime': { '@value': '2026-01-01T00:00:00.000Z', '@type': 'xsd:dateTime' },
      'prov:wasAssociatedWith': { '@id': 'kfm://agent/ana' },
      'kfm:spec_hash': D('a'),
      'prov:used': [{ '@id': `kfm://artifact/${D('1')}` }],
      'prov:generated': [{ '@id': `kfm://artifact/${D('2')}` }],
    });
    const artifact = graph.find((n) => n['@id'] === `kfm://artifact/${D('2')}`)!;
    expect(artifact).toMatchObject({ 'kfm:zone': 'processed', 'kfm:digest': D('2'), 'prov:wasGeneratedBy': { '@id': plain.run_id } });
    expect(graph.find((n) => n['@id'] === 'kfm://dataset/ks@2017.aaaaaaaa')).toMatchObject({ 'prov:hadMember': [{ '@id': `kfm://artifact/${D('2')}` }] });
  });

  it('refuses to rewrite a recorded catalog file with other bytes', () => {
    const record = { kfm_catalog_record_version: 'v1' as const, dataset_slug: 'ks', dataset_version_id: 'v', key: D('1'), files: [{ path: 'catalog/ks/v/dcat.jsonld', digest: D('2'), media_type: 'x' }], receipt: { run_id: 'kfm://run/r', seq: 3 } };
    const file = (digest: `sha256:${string}`) => ({ path: 'catalog/ks/v/dcat.jsonld', bytes: Buffer.alloc(0), digest, media_type: 'x' });
    expect(catalogConflict([file(D('2'))], record)).toBeUndefined();
    expect(catalogConflict([file(D('3'))], undefined)).toBeUndefined();
    expect(catalogConflict([file(D('3'))], record)).toContain('data/catalog/ks/v/dcat.jsonld');
  });

  it('checks the kfmfile catalog.baseUrl option', () => {
    const at = new KfmfileLocator('/p/kfmfile.ts');
    const base = (catalog: unknown) => catalogBaseUrl({ datasets: [], catalog } as unknown as KfmConfig, at);
    expect(base(undefined)).toBeUndefined();
    expect(base({})).toBeUndefined();
    expect(base({ baseUrl: 'https://data.example.org/kfm/' })).toBe('https://data.example.org/kfm/');
    for (const bad of [{ baseUrl: 'https://x.org/no-slash' }, { baseUrl: 'relative/' }, { baseUrl: 'file:///home/me/' }, { baseUrl: 'https://u:p@x.org/' }, { baseUrl: 3 }, { base: 'x' }, 'x']) {
      expect(() => base(bad), JSON.stringify(bad)).toThrow(KfmError);
    }
  });
});
