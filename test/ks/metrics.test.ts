import type { Feature, Geometry } from 'geojson';
import { describe, expect, it } from 'vitest';
import type { Bbox } from '../../tasks/geo/bbox.js';
import {
  bboxInside,
  duplicateRate,
  featureCount,
  geometryValid,
  requiredFieldsPresent,
  type FeatureLabel,
} from '../../tasks/qa/metrics.js';

const label: FeatureLabel = (f, i) => `id ${JSON.stringify(f.properties?.['id'] ?? null)} (#${i})`;

const feature = (properties: Record<string, unknown> | null, geometry: Geometry | null): Feature => ({
  type: 'Feature',
  properties,
  geometry: geometry as Geometry,
});

const point = (x: number, y: number): Geometry => ({ type: 'Point', coordinates: [x, y] });
const square = (x: number, y: number): Geometry => ({
  type: 'Polygon',
  coordinates: [[[x, y], [x + 1, y], [x + 1, y + 1], [x, y + 1], [x, y]]],
});
const bowTie: Geometry = { type: 'Polygon', coordinates: [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]] };

describe('QA metrics', () => {
  it('feature_count counts features', () => {
    expect(featureCount([]).value).toBe(0);
    expect(featureCount([feature({}, null), feature({}, null)]).value).toBe(2);
  });

  it('geometry_valid is the fraction of valid geometries, naming the bad ones', () => {
    const fs = [feature({ id: 1 }, square(0, 0)), feature({ id: 2 }, bowTie), feature({ id: 3 }, null), feature({ id: 4 }, point(1, 1))];
    expect(geometryValid(fs, label)).toEqual({
      value: 0.5,
      examples: ['id 2 (#1): polygon ring 0: self-intersection between edges 0 and 2', 'id 3 (#2): no geometry'],
    });
    expect(geometryValid([], label).value).toBe(1);
  });

  it('required_fields_present counts null and missing fields as absent, but not empty strings', () => {
    const fs = [
      feature({ id: 1, name: 'a' }, null),
      feature({ id: 2, name: null }, null),
      feature({ id: 3 }, null),
      feature({ id: 4, name: '' }, null),
      feature(null, null),
    ];
    expect(requiredFieldsPresent(fs, ['id', 'name'], label)).toEqual({
      value: 0.4,
      examples: ['id 2 (#1): missing name', 'id 3 (#2): missing name', 'id null (#4): missing id, name'],
    });
  });

  it('duplicate_rate counts each repeat of an id once, over all features', () => {
    const ids = [1, 2, 2, 3, 3, 3, null, '1'];
    const fs = ids.map((id) => feature({ id }, null));
    // 2 repeats once, 3 repeats twice; null is not an id; '1' differs from 1.
    expect(duplicateRate(fs, 'id')).toEqual({ value: 3 / 8, examples: ['id 2 repeats', 'id 3 repeats'] });
    expect(duplicateRate([], 'id').value).toBe(0);
    expect(duplicateRate([feature({ id: 'a' }, null)], 'id').value).toBe(0);
  });

  it('bbox_inside is the fraction of features inside the bbox, with a tolerance', () => {
    const box: Bbox = [0, 0, 10, 10];
    const fs = [
      feature({ id: 1 }, square(0, 0)),
      feature({ id: 2 }, square(9, 9)),
      feature({ id: 3 }, square(9.00005, 5)),
      feature({ id: 4 }, point(11, 5)),
      feature({ id: 5 }, null),
    ];
    expect(bboxInside(fs, box, 1e-4, label)).toEqual({
      value: 0.6,
      examples: ['id 4 (#3): bbox [11, 5, 11, 5] outside', 'id 5 (#4): no geometry'],
    });
    expect(bboxInside(fs, box, 0, label).value).toBe(0.4);
  });
});
