/**
 * Applying a generalization method to a GeoJSON FeatureCollection, and verifying that a
 * collection is what a method produces (promotion gate C: the plan is applied to what would
 * be published). Pure: no I/O; the same input gives the same output, in the same order.
 *
 * What each method writes (the output never carries a `bbox` member, which could reveal
 * the raw extent, nor any foreign member of the input):
 * - `centroid_only`: per feature, a Point at `geometryCentroid`; its `id` and properties
 *   are kept, only those listed in `properties` when given.
 * - `bounding_box_only`: per feature, the Polygon `[[w,s],[e,s],[e,n],[w,n],[w,s]]` of its
 *   bounding box; `id` and properties as for `centroid_only`. A feature whose box has no
 *   area (a single point, an axis-parallel line) cannot be generalized this way: an error.
 * - `grid_aggregation_<n>`: each feature is counted once, in the grid cell (core/gridCell.ts)
 *   of its centroid; the output is one Point per occupied cell (and per distinct value of
 *   the `properties` fields, when given) at the cell centre, with properties
 *   `{ ...those fields, count }` and no `id`. Every other attribute is dropped, so nothing
 *   identifying survives aggregation unless named.
 * - `dissolve_to_admin_unit`: each feature is counted once, in the admin unit whose polygon
 *   contains its centroid (`contains`, a point-in-polygon test the caller supplies); one
 *   feature per occupied unit (and per distinct `properties` values) with the unit's own
 *   geometry and properties `{ admin_unit: <unit id>, ...those fields, count }`. A feature in
 *   no unit is an error. Output order, for both aggregations: by cell (row, then column) or
 *   unit id, then by the group values.
 */
import type { Feature, FeatureCollection, Geometry, MultiPolygon, Polygon, Position } from 'geojson';
import { canonicalJson } from './canonicalJson.js';
import { compareCodePoints } from './compareCodePoints.js';
import { geometryCentroid } from './geometryCentroid.js';
import { parseGeneralizationMethod, type GeneralizationMethod } from './generalizationMethod.js';
import { geometryBbox } from './geometryBbox.js';
import { inLonLatRange, latitudeCell, latitudeCentre, longitudeCell, longitudeCentre } from './gridCell.js';
import { verifyGeneralizedFeatures } from './verifyGeneralized.js';

export type AdminGeometry = Polygon | MultiPolygon;

export interface GeneralizationOptions {
  /**
   * The attributes that may be published. `centroid_only`, `bounding_box_only`: features
   * keep only these (unset: all). Aggregations: features are grouped by these too (unset: none).
   */
  properties?: string[];
  /** `dissolve_to_admin_unit`: the admin units, and the property of each that is its id. */
  adminUnits?: FeatureCollection;
  adminIdField?: string;
  /** `dissolve_to_admin_unit`: whether a point lies in a unit's polygon. */
  contains?: (point: Position, unit: AdminGeometry) => boolean;
}

/** The property of a dissolved feature naming its admin unit. */
export const ADMIN_UNIT_PROPERTY = 'admin_unit';
/** The property of an aggregated feature counting the features it stands for. */
export const COUNT_PROPERTY = 'count';

/** Applies `method` (text or parsed) to `fc`. Throws a located Error (`feature 3: ...`) for input it cannot generalize. */
export function generalizeFeatureCollection(
  fc: FeatureCollection,
  method: string | GeneralizationMethod,
  options: GeneralizationOptions = {},
): FeatureCollection {
  const m = typeof method === 'string' ? parseGeneralizationMethod(method) : method;
  switch (m.kind) {
    case 'centroid_only':
      return collection(fc.features.map((f, i) => perFeature(f, { type: 'Point', coordinates: centroidOf(f, i) }, options)));
    case 'bounding_box_only':
      return collection(fc.features.map((f, i) => perFeature(f, boxOf(f, i), options)));
    case 'grid_aggregation':
      return collection(gridAggregate(fc.features, m.n, options.properties ?? []));
    case 'dissolve_to_admin_unit':
      return collection(dissolve(fc.features, options));
  }
}

/**
 * What is wrong with `fc` as the output of `method` (empty: it is one). See
 * core/verifyGeneralized.ts for what each method's check covers.
 */
export function verifyGeneralized(fc: unknown, method: string | GeneralizationMethod, options: GeneralizationOptions = {}): string[] {
  const m = typeof method === 'string' ? parseGeneralizationMethod(method) : method;
  return verifyGeneralizedFeatures(fc, m, options);
}

function collection(features: Feature[]): FeatureCollection {
  return { type: 'FeatureCollection', features };
}

function centroidOf(f: Feature, index: number): Position {
  const c = geometryCentroid(f.geometry);
  if (c === null) throw new Error(`feature ${index}: it has no geometry to generalize`);
  return c;
}

function boxOf(f: Feature, index: number): Polygon {
  const [w, s, e, n] = geometryBbox(f.geometry) ?? [NaN, NaN, NaN, NaN];
  if (!(w < e && s < n)) {
    throw new Error(`feature ${index}: its bounding box has no area (a point or an axis-parallel line); bounding_box_only cannot generalize it`);
  }
  return { type: 'Polygon', coordinates: [[[w, s], [e, s], [e, n], [w, n], [w, s]]] };
}

function perFeature(f: Feature, geometry: Geometry, options: GeneralizationOptions): Feature {
  const properties = options.properties === undefined ? { ...f.properties } : pick(f.properties, options.properties);
  return f.id === undefined ? { type: 'Feature', properties, geometry } : { type: 'Feature', id: f.id, properties, geometry };
}

function pick(properties: Feature['properties'], fields: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of fields) if (properties?.[field] !== undefined) out[field] = properties[field];
  return out;
}

interface Group {
  sortKey: [number | string, string];
  properties: Record<string, unknown>;
  geometry: Geometry;
  count: number;
}

function aggregate(groups: Map<string, Group>, place: Record<string, unknown>, sortKey: number | string, geometry: Geometry, f: Feature, fields: string[]): void {
  const values = pick(f.properties, fields);
  const key = canonicalJson([sortKey, values]);
  const found = groups.get(key);
  if (found !== undefined) found.count++;
  else groups.set(key, { sortKey: [sortKey, canonicalJson(values)], properties: { ...place, ...values }, geometry, count: 1 });
}

function emit(groups: Map<string, Group>): Feature[] {
  return [...groups.values()]
    .sort((a, b) => compareSortKeys(a.sortKey[0], b.sortKey[0]) || compareCodePoints(a.sortKey[1], b.sortKey[1]))
    .map((g) => ({ type: 'Feature', properties: { ...g.properties, [COUNT_PROPERTY]: g.count }, geometry: g.geometry }));
}

function compareSortKeys(a: number | string, b: number | string): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return compareCodePoints(String(a), String(b));
}

function gridAggregate(features: Feature[], n: number, fields: string[]): Feature[] {
  const groups = new Map<string, Group>();
  const columns = (2 * 648_000) / n;
  features.forEach((f, index) => {
    const [lon, lat] = centroidOf(f, index) as [number, number];
    if (!inLonLatRange(lon, lat)) throw new Error(`feature ${index}: [${lon}, ${lat}] is not a longitude/latitude in EPSG:4326`);
    const i = longitudeCell(lon, n);
    const j = latitudeCell(lat, n);
    const point: Geometry = { type: 'Point', coordinates: [longitudeCentre(i, n), latitudeCentre(j, n)] };
    aggregate(groups, {}, j * columns + i, point, f, fields);
  });
  return emit(groups);
}

function dissolve(features: Feature[], options: GeneralizationOptions): Feature[] {
  const { adminUnits, adminIdField, contains } = options;
  if (adminUnits === undefined || adminIdField === undefined || contains === undefined) {
    throw new Error('dissolve_to_admin_unit needs the admin units, their id field and a point-in-polygon test');
  }
  const units = adminUnits.features.map((u, index) => {
    const id: unknown = u.properties?.[adminIdField];
    if ((typeof id !== 'string' && typeof id !== 'number') || (u.geometry?.type !== 'Polygon' && u.geometry?.type !== 'MultiPolygon')) {
      throw new Error(`admin unit ${index}: expected a Polygon or MultiPolygon with a string or number "${adminIdField}"`);
    }
    return { id, geometry: u.geometry };
  });
  const groups = new Map<string, Group>();
  features.forEach((f, index) => {
    const c = centroidOf(f, index);
    const unit = units.find((u) => contains(c, u.geometry));
    if (unit === undefined) throw new Error(`feature ${index}: its centroid [${c.join(', ')}] lies in no admin unit`);
    aggregate(groups, { [ADMIN_UNIT_PROPERTY]: unit.id }, unit.id, unit.geometry, f, options.properties ?? []);
  });
  return emit(groups);
}
