import type { FeatureCollection } from 'geojson';
import { describe, expect, it } from 'vitest';
import placesPerCounty, { joinPlacesToCounties } from '../../tasks/ks/placesPerCounty.js';
import { fakeContext } from './fakeContext.js';

const county = (geoid: string, name: string, ring: number[][]) => ({
  type: 'Feature' as const,
  id: geoid,
  properties: { geoid, name, state_fips: geoid.slice(0, 2), county_fips: geoid.slice(2) },
  geometry: { type: 'Polygon' as const, coordinates: [ring] },
});

const place = (geonames_id: number, name: string, x: number, y: number) => ({
  type: 'Feature' as const,
  id: geonames_id,
  properties: { geonames_id, name, population: 1000, feature_code: 'PPL' },
  geometry: { type: 'Point' as const, coordinates: [x, y] },
});

// Two counties side by side sharing the edge x = 1, listed out of geoid order.
const counties: FeatureCollection = {
  type: 'FeatureCollection',
  features: [
    county('20003', 'East', [[1, 0], [2, 0], [2, 1], [1, 1], [1, 0]]),
    county('20001', 'West', [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]),
  ],
};

const places = {
  type: 'FeatureCollection',
  license: 'CC-BY-4.0',
  attribution: 'GeoNames',
  features: [
    place(1, 'Zeta', 0.5, 0.5),
    place(2, 'Alpha', 0.25, 0.25),
    place(3, 'Border', 1, 0.5),
    place(4, 'Outside', 5, 5),
    place(5, 'Eastville', 1.5, 0.5),
  ],
} as FeatureCollection;

describe('joinPlacesToCounties', () => {
  it('counts places per county, sorts names, keeps geoid order and carries the attribution', () => {
    const { collection, unmatched, multiMatched } = joinPlacesToCounties(counties, places);
    expect(Object.keys(collection)).toEqual(['type', 'license', 'attribution', 'features']);
    expect(collection.attribution).toBe('GeoNames');
    expect(collection.features.map((f) => [f.id, f.properties.place_count, f.properties.places])).toEqual([
      ['20001', 2, ['Alpha', 'Zeta']],
      ['20003', 2, ['Border', 'Eastville']],
    ]);
    expect(Object.keys(collection.features[0]!.properties)).toEqual([
      'geoid',
      'name',
      'state_fips',
      'county_fips',
      'place_count',
      'places',
    ]);
    expect(unmatched).toEqual([{ geonames_id: 4, name: 'Outside', coordinates: [5, 5] }]);
    expect(multiMatched).toBe(0);
  });

  it('counts a place that overlapping counties both contain once, in the first by geoid', () => {
    const overlapping: FeatureCollection = {
      type: 'FeatureCollection',
      features: [
        county('20003', 'Big', [[0, 0], [3, 0], [3, 3], [0, 3], [0, 0]]),
        county('20001', 'Small', [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]),
      ],
    };
    const { collection, multiMatched } = joinPlacesToCounties(overlapping, places);
    expect(multiMatched).toBe(2);
    expect(collection.features.map((f) => f.properties.places)).toEqual([
      ['Alpha', 'Zeta'],
      ['Border', 'Eastville'],
    ]);
  });
});

describe('placesPerCounty task', () => {
  it('reports unmatched places in its meta and log', async () => {
    const f = fakeContext(
      'ks_places_per_county/join',
      { counties: 'ks_counties/transform', counties_output: 'c.geojson', places: 'ks_places/transform', places_output: 'p.geojson', output: 'out.geojson' },
      {
        'ks_counties/transform': { 'c.geojson': { data: JSON.stringify(counties) } },
        'ks_places/transform': { 'p.geojson': { data: JSON.stringify(places) } },
      },
    );
    await placesPerCounty(f.ctx);
    expect(f.meta()).toEqual({
      counties: 2,
      places: 5,
      matched: 4,
      unmatched: 1,
      multi_matched: 0,
      unmatched_places: [{ geonames_id: 4, name: 'Outside', coordinates: [5, 5] }],
    });
    expect(f.logs).toEqual([
      { level: 'info', message: '4 of 5 places matched a county; 1 unmatched' },
      { level: 'warn', message: 'place 4 Outside at [5, 5] is in no county' },
    ]);
    expect(f.outputs.get('out.geojson')?.mediaType).toBe('application/geo+json');
  });
});
