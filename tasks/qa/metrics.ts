import type { Feature } from 'geojson';
import { bboxWithin, geometryBbox, type Bbox } from '../geo/bbox.js';
import { geometryValidity } from '../geo/geometryValidity.js';

/** A metric's value, and a few of the features that count against it (for the report). */
export interface Metric {
  value: number;
  examples: string[];
}

/** How many offending features a metric names in its examples. */
export const MAX_EXAMPLES = 5;

/**
 * Fractions over an empty collection are vacuous: 1 for "fraction good", 0 for a rate of
 * bad; `feature_count` is the check that catches an empty collection.
 */
function fraction(good: number, total: number): number {
  return total === 0 ? 1 : good / total;
}

/** How a feature is named in examples: its id field, its GeoJSON id, or its index. */
export type FeatureLabel = (feature: Feature, index: number) => string;

export function featureCount(features: Feature[]): Metric {
  return { value: features.length, examples: [] };
}

/** Fraction of features whose geometry passes `geometryValidity`. */
export function geometryValid(features: Feature[], label: FeatureLabel): Metric {
  let good = 0;
  const examples: string[] = [];
  features.forEach((f, i) => {
    const result = geometryValidity(f.geometry);
    if (result.valid) good++;
    else if (examples.length < MAX_EXAMPLES) examples.push(`${label(f, i)}: ${result.reason}`);
  });
  return { value: fraction(good, features.length), examples };
}

/** Fraction of features whose properties hold every required field with a non-null value. */
export function requiredFieldsPresent(features: Feature[], fields: string[], label: FeatureLabel): Metric {
  let good = 0;
  const examples: string[] = [];
  features.forEach((f, i) => {
    const missing = fields.filter((field) => f.properties?.[field] === undefined || f.properties[field] === null);
    if (missing.length === 0) good++;
    else if (examples.length < MAX_EXAMPLES) examples.push(`${label(f, i)}: missing ${missing.join(', ')}`);
  });
  return { value: fraction(good, features.length), examples };
}

/**
 * Fraction of features whose id field repeats one seen earlier: (features with an id −
 * distinct ids) / features. Features without an id are not duplicates (see
 * `requiredFieldsPresent`). `"1"` and `1` are different ids.
 */
export function duplicateRate(features: Feature[], idField: string): Metric {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  let duplicates = 0;
  for (const f of features) {
    const id: unknown = f.properties?.[idField];
    if (id === undefined || id === null) continue;
    const key = JSON.stringify(id);
    if (seen.has(key)) {
      duplicates++;
      repeated.add(key);
    } else {
      seen.add(key);
    }
  }
  const examples = [...repeated].slice(0, MAX_EXAMPLES).map((key) => `${idField} ${key} repeats`);
  return { value: features.length === 0 ? 0 : duplicates / features.length, examples };
}

/** Fraction of features whose bounding box lies inside `bbox`, `tolerance` degrees allowed. */
export function bboxInside(features: Feature[], bbox: Bbox, tolerance: number, label: FeatureLabel): Metric {
  let good = 0;
  const examples: string[] = [];
  features.forEach((f, i) => {
    const box = geometryBbox(f.geometry);
    if (box !== null && bboxWithin(box, bbox, tolerance)) good++;
    else if (examples.length < MAX_EXAMPLES) {
      examples.push(`${label(f, i)}: ${box === null ? 'no geometry' : `bbox [${box.join(', ')}] outside`}`);
    }
  });
  return { value: fraction(good, features.length), examples };
}
