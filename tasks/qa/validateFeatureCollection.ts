import type { Feature, FeatureCollection } from 'geojson';
import type { Bbox } from '../geo/bbox.js';
import {
  bboxInside,
  duplicateRate,
  featureCount,
  geometryValid,
  requiredFieldsPresent,
  type FeatureLabel,
  type Metric,
} from './metrics.js';
import { formatThreshold, meetsThreshold, parseThreshold, type Threshold } from './threshold.js';

export type QaCheck = {
  name: string;
  threshold: string | number;
};

export interface QaOptions {
  required_fields: string[];
  id_field: string;
  bbox: Bbox;
  /** Degrees a feature's bbox may stick out of `bbox` (default `DEFAULT_BBOX_TOLERANCE`). */
  bbox_tolerance?: number;
  /** Adds an `expected_count` check: `min <= feature_count <= max`. */
  expected_count?: { min: number; max: number };
  checks: QaCheck[];
}

export interface CheckReport {
  name: string;
  status: 'pass' | 'fail';
  value: number;
  /** The threshold as the spec wrote it. */
  threshold: string | number;
  /** Up to a few offending features, when the metric counts any. */
  examples?: string[];
}

export interface ValidationReport {
  kfm_validation_report_version: 'v1';
  status: 'pass' | 'fail';
  feature_count: number;
  reports: CheckReport[];
}

/** 1e-4 degrees is about 11 m: room for the rounding of a bbox written to 4 decimals. */
export const DEFAULT_BBOX_TOLERANCE = 1e-4;

export const KNOWN_CHECKS = [
  'bbox_inside',
  'duplicate_rate',
  'feature_count',
  'geometry_valid',
  'required_fields_present',
] as const;

type CheckName = (typeof KNOWN_CHECKS)[number];

function isKnownCheck(name: string): name is CheckName {
  return (KNOWN_CHECKS as readonly string[]).includes(name);
}

/**
 * Runs the spec's QA checks over a FeatureCollection. Configuration mistakes (an unknown
 * check, a malformed threshold, a check listed twice) throw before any metric runs; failed
 * checks do not throw, they make the report's status `fail`.
 */
export function validateFeatureCollection(collection: unknown, options: QaOptions): ValidationReport {
  const planned = planChecks(options);
  const features = featuresOf(collection);
  const label = labelBy(options.id_field);
  const reports: CheckReport[] = planned.map(({ check, threshold, metric }) => {
    const { value, examples } = metric(features, label);
    const report: CheckReport = {
      name: check.name,
      status: meetsThreshold(threshold, value) ? 'pass' : 'fail',
      value,
      threshold: check.threshold,
    };
    if (examples.length > 0) report.examples = examples;
    return report;
  });
  return {
    kfm_validation_report_version: 'v1',
    status: reports.every((r) => r.status === 'pass') ? 'pass' : 'fail',
    feature_count: features.length,
    reports,
  };
}

/** `duplicate_rate = 0.0095 (needs <= 0.001); ...` for the failed checks of a report. */
export function describeFailures(report: ValidationReport): string {
  return report.reports
    .filter((r) => r.status === 'fail')
    .map((r) => `${r.name} = ${r.value} (needs ${formatThreshold(parseThreshold(r.threshold))})`)
    .join('; ');
}

interface PlannedCheck {
  check: QaCheck;
  threshold: Threshold;
  metric: (features: Feature[], label: FeatureLabel) => Metric;
}

function planChecks(options: QaOptions): PlannedCheck[] {
  const seen = new Set<string>();
  const planned: PlannedCheck[] = [];
  const checks: QaCheck[] = [...options.checks];
  if (options.expected_count) {
    const { min, max } = options.expected_count;
    checks.push({ name: 'expected_count', threshold: `>= ${min} and <= ${max}` });
  }
  for (const check of checks) {
    if (seen.has(check.name)) throw new Error(`QA check "${check.name}" is listed twice`);
    seen.add(check.name);
    const threshold = parseThreshold(check.threshold);
    planned.push({ check, threshold, metric: metricFor(check.name, options) });
  }
  return planned;
}

function metricFor(name: string, options: QaOptions): PlannedCheck['metric'] {
  if (name === 'expected_count') return (features) => featureCount(features);
  if (!isKnownCheck(name)) {
    throw new Error(`unknown QA check "${name}": known checks are ${KNOWN_CHECKS.join(', ')}`);
  }
  switch (name) {
    case 'bbox_inside': {
      const tolerance = options.bbox_tolerance ?? DEFAULT_BBOX_TOLERANCE;
      return (features, label) => bboxInside(features, options.bbox, tolerance, label);
    }
    case 'duplicate_rate':
      return (features) => duplicateRate(features, options.id_field);
    case 'feature_count':
      return (features) => featureCount(features);
    case 'geometry_valid':
      return (features, label) => geometryValid(features, label);
    case 'required_fields_present':
      return (features, label) => requiredFieldsPresent(features, options.required_fields, label);
  }
}

function featuresOf(collection: unknown): Feature[] {
  const fc = collection as Partial<FeatureCollection> | null;
  if (typeof fc !== 'object' || fc === null || fc.type !== 'FeatureCollection' || !Array.isArray(fc.features)) {
    throw new Error('expected a GeoJSON FeatureCollection');
  }
  fc.features.forEach((f: unknown, i) => {
    if (typeof f !== 'object' || f === null || (f as { type?: unknown }).type !== 'Feature') {
      throw new Error(`feature #${i} is not a GeoJSON Feature`);
    }
  });
  return fc.features;
}

function labelBy(idField: string): FeatureLabel {
  return (feature, index) => {
    const id: unknown = feature.properties?.[idField] ?? feature.id;
    return id === undefined || id === null ? `feature #${index}` : `${idField} ${JSON.stringify(id)}`;
  };
}
