import type { FeatureCollection } from 'geojson';
import { describe, expect, it } from 'vitest';
import {
  describeFailures,
  validateFeatureCollection,
  type QaOptions,
} from '../../tasks/qa/validateFeatureCollection.js';

const fc = (ids: string[]): FeatureCollection => ({
  type: 'FeatureCollection',
  features: ids.map((id) => ({
    type: 'Feature',
    properties: { geoid: id, name: `County ${id}` },
    geometry: { type: 'Point', coordinates: [-98, 38.5] },
  })),
});

const options: QaOptions = {
  required_fields: ['geoid', 'name'],
  id_field: 'geoid',
  bbox: [-102.0529, 36.9928, -94.6015, 40.0029],
  checks: [
    { name: 'required_fields_present', threshold: '>= 0.99' },
    { name: 'geometry_valid', threshold: '>= 0.999' },
    { name: 'duplicate_rate', threshold: '<= 0.001' },
    { name: 'feature_count', threshold: '== 3' },
    { name: 'bbox_inside', threshold: '>= 0.999' },
  ],
};

describe('validateFeatureCollection', () => {
  it('passes a clean collection and reports every check in spec order', () => {
    const report = validateFeatureCollection(fc(['20001', '20003', '20005']), options);
    expect(report).toEqual({
      kfm_validation_report_version: 'v1',
      status: 'pass',
      feature_count: 3,
      reports: [
        { name: 'required_fields_present', status: 'pass', value: 1, threshold: '>= 0.99' },
        { name: 'geometry_valid', status: 'pass', value: 1, threshold: '>= 0.999' },
        { name: 'duplicate_rate', status: 'pass', value: 0, threshold: '<= 0.001' },
        { name: 'feature_count', status: 'pass', value: 3, threshold: '== 3' },
        { name: 'bbox_inside', status: 'pass', value: 1, threshold: '>= 0.999' },
      ],
    });
  });

  it('fails on a duplicate id and describes the failure', () => {
    const report = validateFeatureCollection(fc(['20001', '20003', '20003']), options);
    expect(report.status).toBe('fail');
    expect(report.reports.find((r) => r.name === 'duplicate_rate')).toEqual({
      name: 'duplicate_rate',
      status: 'fail',
      value: 1 / 3,
      threshold: '<= 0.001',
      examples: ['geoid "20003" repeats'],
    });
    expect(describeFailures(report)).toBe('duplicate_rate = 0.3333333333333333 (needs <= 0.001)');
  });

  it('adds an expected_count check when asked', () => {
    const report = validateFeatureCollection(fc(['20001', '20003', '20005']), {
      ...options,
      expected_count: { min: 4, max: 10 },
    });
    expect(report.reports.at(-1)).toEqual({
      name: 'expected_count',
      status: 'fail',
      value: 3,
      threshold: '>= 4 and <= 10',
    });
    expect(describeFailures(report)).toBe('expected_count = 3 (needs >= 4 and <= 10)');
  });

  it('rejects unknown checks, repeated checks and bad thresholds before measuring', () => {
    const run = (checks: QaOptions['checks']) => () => validateFeatureCollection(fc([]), { ...options, checks });
    expect(run([{ name: 'geometry_vaild', threshold: '>= 1' }])).toThrow(
      'unknown QA check "geometry_vaild": known checks are bbox_inside, duplicate_rate, feature_count, geometry_valid, required_fields_present',
    );
    expect(run([{ name: 'feature_count', threshold: '== 1' }, { name: 'feature_count', threshold: '== 2' }])).toThrow(
      'QA check "feature_count" is listed twice',
    );
    expect(run([{ name: 'feature_count', threshold: '=! 1' }])).toThrow('invalid threshold "=! 1"');
  });

  it('rejects something that is not a FeatureCollection', () => {
    expect(() => validateFeatureCollection({ type: 'Feature' }, options)).toThrow('expected a GeoJSON FeatureCollection');
    expect(() => validateFeatureCollection(null, options)).toThrow('expected a GeoJSON FeatureCollection');
    expect(() => validateFeatureCollection({ type: 'FeatureCollection', features: [null] }, options)).toThrow(
      'feature #0 is not a GeoJSON Feature',
    );
  });
});
