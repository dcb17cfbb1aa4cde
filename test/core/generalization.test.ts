import type { Feature, FeatureCollection, Geometry } from 'geojson';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generalizeFeatureCollection, verifyGeneralized } from '../../core/generalization.js';
import { formatGeneralizationMethod, parseGeneralizationMethod } from '../../core/generalizationMethod.js';
import { geometryCentroid } from '../../core/geometryCentroid.js';
import { GRID_SPAN_ARCSEC, latitudeCell, longitudeCell, snapLatitude, snapLongitude } from '../../core/gridCell.js';
import { pointInPolygon } from '../../tasks/geo/pointInPolygon.js';

const feature = (geometry: Geometry, properties: Record<string, unknown> = {}, id?: string): Feature =>
  id === undefined ? { type: 'Feature', properties, geometry } : { type: 'Feature', id, properties, geometry };
const collection = (features: Feature[]): FeatureCollection => ({ type: 'FeatureCollection', features });
const point = (x: number, y: number): Geometry => ({ type: 'Point', coordinates: [x, y] });
const square = (x0: number, y0: number, x1: number, y1: number): Geometry => ({
  type: 'Polygon',
  coordinates: [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]],
});

describe('parseGeneralizationMethod', () => {
  it('parses the four methods and formats them back', () => {
    for (const text of ['centroid_only', 'bounding_box_only', 'dissolve_to_admin_unit', 'grid_aggregation_60', 'grid_aggregation_3600', 'grid_aggregation_1']) {
      expect(formatGeneralizationMethod(parseGeneralizationMethod(text))).toBe(text);
    }
    expect(parseGeneralizationMethod('grid_aggregation_900')).toEqual({ kind: 'grid_aggregation', n: 900 });
  });

  it('rejects an unknown method naming the known ones', () => {
    expect(() => parseGeneralizationMethod('blur')).toThrow(
      'unknown generalization method "blur" (methods: centroid_only, grid_aggregation_<n>, bounding_box_only, dissolve_to_admin_unit)',
    );
    expect(() => parseGeneralizationMethod('CENTROID_ONLY')).toThrow('unknown generalization method');
  });

  it('rejects a bad n with the rule', () => {
    for (const bad of ['grid_aggregation_', 'grid_aggregation_0', 'grid_aggregation_07', 'grid_aggregation_7', 'grid_aggregation_-60', 'grid_aggregation_1.5', 'grid_aggregation_1296000']) {
      expect(() => parseGeneralizationMethod(bad), bad).toThrow('n is the grid cell size in arc-seconds, a positive integer that divides 648000 (180°)');
    }
  });
});

describe('the grid of grid_aggregation_<n>', () => {
  it('snaps to cell centres anchored at (-180, -90), the last cell closed', () => {
    expect(snapLongitude(-179.99, 3600)).toBe(-179.5);
    expect(snapLongitude(0, 3600)).toBe(0.5);
    expect(snapLongitude(-0.1, 3600)).toBe(-0.5);
    expect(snapLongitude(180, 3600)).toBe(179.5);
    expect(snapLatitude(90, 3600)).toBe(89.5);
    expect(snapLatitude(-90, 3600)).toBe(-89.5);
    expect(snapLongitude(-97.3, 60)).toBe(-97.291666667); // 1′ cells: centre at 30″
    expect(latitudeCell(90, 60)).toBe(GRID_SPAN_ARCSEC / 60 - 1);
    expect(longitudeCell(-180, 60)).toBe(0);
  });
});

describe('centroid_only', () => {
  it('makes one Point per feature at its centroid, keeping id and properties', () => {
    const input = collection([feature(square(0, 0, 2, 4), { name: 'a' }, 'x'), feature({ type: 'LineString', coordinates: [[0, 0], [4, 0]] }, { name: 'b' })]);
    const out = generalizeFeatureCollection(input, 'centroid_only');
    expect(out).toEqual(collection([feature(point(1, 2), { name: 'a' }, 'x'), feature(point(2, 0), { name: 'b' })]));
    expect(verifyGeneralized(out, 'centroid_only')).toEqual([]);
    expect(verifyGeneralized(input, 'centroid_only')).toEqual([
      'feature 0: its geometry is a Polygon, not one Point',
      'feature 1: its geometry is a LineString, not one Point',
    ]);
  });

  it('keeps only the listed properties when given, and verifies that', () => {
    const input = collection([feature(point(1, 1), { name: 'a', owner: 'Ann' })]);
    const out = generalizeFeatureCollection(input, 'centroid_only', { properties: ['name'] });
    expect(out.features[0]!.properties).toEqual({ name: 'a' });
    expect(verifyGeneralized(input, 'centroid_only', { properties: ['name'] })).toEqual(['feature 0: it has properties not allowed: owner']);
  });

  it('computes area centroids with holes, and rejects a feature without geometry', () => {
    const holed: Geometry = { type: 'Polygon', coordinates: [[[0, 0], [4, 0], [4, 4], [0, 4], [0, 0]], [[2, 0], [4, 0], [4, 4], [2, 4], [2, 0]]] };
    expect(geometryCentroid(holed)).toEqual([1, 2]);
    expect(geometryCentroid({ type: 'MultiPoint', coordinates: [[0, 0], [2, 4]] })).toEqual([1, 2]);
    expect(() => generalizeFeatureCollection(collection([{ type: 'Feature', properties: {}, geometry: null as unknown as Geometry }]), 'centroid_only')).toThrow(
      'feature 0: it has no geometry to generalize',
    );
  });
});

describe('bounding_box_only', () => {
  it('makes each feature its axis-aligned rectangle', () => {
    const tri: Geometry = { type: 'Polygon', coordinates: [[[0, 0], [3, 1], [1, 5], [0, 0]]] };
    const out = generalizeFeatureCollection(collection([feature(tri, { k: 1 })]), 'bounding_box_only');
    expect(out).toEqual(collection([feature(square(0, 0, 3, 5), { k: 1 })]));
    expect(verifyGeneralized(out, 'bounding_box_only')).toEqual([]);
    expect(verifyGeneralized(collection([feature(tri)]), 'bounding_box_only')).toEqual([
      'feature 0: its geometry is not an axis-aligned rectangle [[w,s],[e,s],[e,n],[w,n],[w,s]]',
    ]);
    const rotated: Geometry = { type: 'Polygon', coordinates: [[[0, 0], [0, 5], [3, 5], [3, 0], [0, 0]]] };
    expect(verifyGeneralized(collection([feature(rotated)]), 'bounding_box_only')).toHaveLength(1);
  });

  it('refuses a box with no area', () => {
    expect(() => generalizeFeatureCollection(collection([feature(point(1, 1)), feature(point(2, 2))]), 'bounding_box_only')).toThrow(
      'feature 0: its bounding box has no area',
    );
  });
});

describe('grid_aggregation_<n>', () => {
  it('counts features per cell at the cell centre, dropping every attribute not named', () => {
    const input = collection([
      feature(point(-97.2, 38.1), { site: 'a', kind: 'x' }, 'id1'),
      feature(point(-97.9, 38.7), { site: 'b', kind: 'x' }),
      feature(point(-96.1, 38.2), { site: 'c', kind: 'y' }),
    ]);
    const out = generalizeFeatureCollection(input, 'grid_aggregation_3600');
    expect(out).toEqual(collection([feature(point(-97.5, 38.5), { count: 2 }), feature(point(-96.5, 38.5), { count: 1 })]));
    expect(verifyGeneralized(out, 'grid_aggregation_3600')).toEqual([]);
    const byKind = generalizeFeatureCollection(input, 'grid_aggregation_3600', { properties: ['kind'] });
    expect(byKind.features.map((f) => f.properties)).toEqual([{ kind: 'x', count: 2 }, { kind: 'y', count: 1 }]);
    expect(verifyGeneralized(byKind, 'grid_aggregation_3600')).toEqual([
      'feature 0: it has properties not allowed: kind',
      'feature 1: it has properties not allowed: kind',
    ]);
    expect(verifyGeneralized(byKind, 'grid_aggregation_3600', { properties: ['kind'] })).toEqual([]);
  });

  it('rejects raw points, a finer grid, ids, bbox members and repeated cells', () => {
    const raw = collection([feature(point(-97.2, 38.1), { count: 1 })]);
    expect(verifyGeneralized(raw, 'grid_aggregation_3600')).toEqual([
      'feature 0: [-97.2, 38.1] is not a cell centre of the 3600″ grid (the nearest is [-97.5, 38.5])',
    ]);
    const fine = generalizeFeatureCollection(raw, 'grid_aggregation_60');
    expect(verifyGeneralized(fine, 'grid_aggregation_60')).toEqual([]);
    expect(verifyGeneralized(fine, 'grid_aggregation_3600')).toHaveLength(1);
    const coarse = generalizeFeatureCollection(raw, 'grid_aggregation_3600');
    const tampered = { ...coarse, bbox: [-97.2, 38.1, -97.2, 38.1], features: [{ ...coarse.features[0]!, id: 'x' }, coarse.features[0]!] };
    expect(verifyGeneralized(tampered, 'grid_aggregation_3600')).toEqual([
      'the collection has a bbox member (it could reveal the raw extent)',
      'feature 0: it has an id (aggregated features carry none)',
      'feature 1: it repeats the cell or unit and group values of an earlier feature',
    ]);
    expect(verifyGeneralized({ type: 'Topology' }, 'grid_aggregation_60')).toEqual(['not a GeoJSON FeatureCollection']);
  });

  it('refuses a coordinate outside longitude/latitude', () => {
    expect(() => generalizeFeatureCollection(collection([feature(point(500000, 4200000))]), 'grid_aggregation_60')).toThrow(
      'feature 0: [500000, 4200000] is not a longitude/latitude in EPSG:4326',
    );
  });

  const divisors = [...Array(GRID_SPAN_ARCSEC).keys()].map((k) => k + 1).filter((d) => d <= 7200 && GRID_SPAN_ARCSEC % d === 0);
  const lonLat = fc.tuple(fc.double({ min: -180, max: 180, noNaN: true }), fc.double({ min: -90, max: 90, noNaN: true }));

  it('property: no generalized coordinate is finer than the grid, and verify accepts exactly that output', () => {
    fc.assert(
      fc.property(fc.constantFrom(...divisors), fc.array(lonLat, { minLength: 1, maxLength: 40 }), (n, points) => {
        const method = `grid_aggregation_${n}`;
        const raw = collection(points.map(([x, y], i) => feature(point(x, y), { id: i })));
        const out = generalizeFeatureCollection(raw, method);
        const json = JSON.parse(JSON.stringify(out)) as FeatureCollection;
        const size = n / 3600;
        for (const f of json.features) {
          const [x, y] = (f.geometry as unknown as { coordinates: [number, number] }).coordinates;
          // a cell centre: half a cell from the anchor, to 1e-9 degrees
          expect(Math.abs(((x + 180) / size) % 1 - 0.5)).toBeLessThan(1e-5);
          expect(Math.abs(((y + 90) / size) % 1 - 0.5)).toBeLessThan(1e-5);
          expect(Object.keys(f.properties!)).toEqual(['count']);
        }
        expect(json.features.reduce((s, f) => s + (f.properties!['count'] as number), 0)).toBe(points.length);
        expect(new Set(json.features.map((f) => JSON.stringify(f.geometry))).size).toBe(json.features.length);
        expect(verifyGeneralized(json, method)).toEqual([]);
        // idempotent on geometry: the output is already on the grid
        expect(generalizeFeatureCollection(json, method).features.map((f) => f.geometry)).toEqual(json.features.map((f) => f.geometry));
        expect(verifyGeneralized(raw, method)).not.toEqual([]); // the raw points carry an id
        const bare = collection(points.map(([x, y]) => feature(point(x, y), { count: 1 })));
        const onGrid = points.every(([x, y]) => snapLongitude(x, n) === x && snapLatitude(y, n) === y);
        const distinct = new Set(points.map((p) => JSON.stringify(p))).size === points.length;
        expect(verifyGeneralized(bare, method).length === 0).toBe(onGrid && distinct);
      }),
      { numRuns: 300 },
    );
  });
});

describe('dissolve_to_admin_unit', () => {
  const units = collection([feature(square(0, 0, 1, 1), { geoid: 'A' }), feature(square(1, 0, 2, 1), { geoid: 'B' })]);
  const options = { adminUnits: units, adminIdField: 'geoid', contains: pointInPolygon };

  it('counts features per unit with the unit geometry', () => {
    const input = collection([feature(point(1.5, 0.5), { who: 'x' }), feature(point(0.2, 0.2), { who: 'y' }), feature(point(1.9, 0.1), { who: 'z' })]);
    const out = generalizeFeatureCollection(input, 'dissolve_to_admin_unit', options);
    expect(out).toEqual(collection([feature(square(0, 0, 1, 1), { admin_unit: 'A', count: 1 }), feature(square(1, 0, 2, 1), { admin_unit: 'B', count: 2 })]));
    expect(verifyGeneralized(out, 'dissolve_to_admin_unit', options)).toEqual([]);
    expect(verifyGeneralized(out, 'dissolve_to_admin_unit')).toEqual([]);
    expect(verifyGeneralized(input, 'dissolve_to_admin_unit').slice(0, 3)).toEqual([
      "feature 0: its geometry is a Point, not an admin unit's Polygon or MultiPolygon",
      'feature 0: its count is not a positive integer',
      'feature 0: it has properties not allowed: who',
    ]);
    const swapped = { ...out, features: [{ ...out.features[0]!, geometry: square(1, 0, 2, 1) }] };
    expect(verifyGeneralized(swapped, 'dissolve_to_admin_unit', options)).toEqual(['feature 0: its geometry is not that of admin unit "A"']);
    // without the units, only the kind of geometry and the properties can be checked
    expect(verifyGeneralized(swapped, 'dissolve_to_admin_unit')).toEqual([]);
  });

  it('refuses a feature in no unit and a call without the units', () => {
    expect(() => generalizeFeatureCollection(collection([feature(point(5, 5))]), 'dissolve_to_admin_unit', options)).toThrow(
      'feature 0: its centroid [5, 5] lies in no admin unit',
    );
    expect(() => generalizeFeatureCollection(collection([]), 'dissolve_to_admin_unit')).toThrow('dissolve_to_admin_unit needs the admin units');
  });
});
