/**
 * The generalization methods a restricted or sensitive-location dataset may apply before
 * anything of it is published (promotion gate C reads the method from PROV as
 * `kfm:generalization_method`). The text forms are the contract:
 *
 * - `centroid_only`: every feature becomes one Point, the centroid of its geometry.
 * - `bounding_box_only`: every feature becomes its axis-aligned bounding rectangle.
 * - `grid_aggregation_<n>`: features are counted per cell of a grid of `n` arc-seconds
 *   on EPSG:4326 (see core/gridCell.ts); one Point per occupied cell, at its centre.
 * - `dissolve_to_admin_unit`: features are counted per administrative unit; one feature
 *   per occupied unit, whose geometry is the unit's.
 */
import { GRID_SPAN_ARCSEC } from './gridCell.js';

export type GeneralizationMethod =
  | { kind: 'centroid_only' }
  | { kind: 'bounding_box_only' }
  | { kind: 'dissolve_to_admin_unit' }
  | { kind: 'grid_aggregation'; n: number };

export const GENERALIZATION_METHODS = ['centroid_only', 'grid_aggregation_<n>', 'bounding_box_only', 'dissolve_to_admin_unit'] as const;

/** What a params schema can check of a method's text (the n rule is checked by parsing). */
export const GENERALIZATION_METHOD_PATTERN = '^(centroid_only|bounding_box_only|dissolve_to_admin_unit|grid_aggregation_[1-9][0-9]*)$';

const GRID_RE = /^grid_aggregation_(.*)$/;

/**
 * Parses a method's text (`grid_aggregation_60`). Throws an Error naming the known
 * methods for an unknown one, and the rule for a bad n: a positive integer number of
 * arc-seconds that divides 648000 (180°), so that the grid tiles the globe with whole cells.
 */
export function parseGeneralizationMethod(text: string): GeneralizationMethod {
  if (text === 'centroid_only' || text === 'bounding_box_only' || text === 'dissolve_to_admin_unit') return { kind: text };
  const m = GRID_RE.exec(text);
  if (m === null) {
    throw new Error(`unknown generalization method ${JSON.stringify(text)} (methods: ${GENERALIZATION_METHODS.join(', ')})`);
  }
  const digits = m[1]!;
  const n = /^[1-9][0-9]*$/.test(digits) ? Number(digits) : NaN;
  if (!Number.isSafeInteger(n) || GRID_SPAN_ARCSEC % n !== 0) {
    throw new Error(
      `generalization method ${JSON.stringify(text)}: n is the grid cell size in arc-seconds, a positive integer ` +
        `that divides ${GRID_SPAN_ARCSEC} (180°) so that the cells tile the globe, e.g. 1, 5, 10, 30, 60, 300, 900, 1800, 3600`,
    );
  }
  return { kind: 'grid_aggregation', n };
}

/** The text form of a parsed method: `grid_aggregation_60`. */
export function formatGeneralizationMethod(method: GeneralizationMethod): string {
  return method.kind === 'grid_aggregation' ? `grid_aggregation_${method.n}` : method.kind;
}
