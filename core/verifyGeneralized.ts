/**
 * Whether a GeoJSON document is what a generalization method writes (core/generalization.ts),
 * checked on the document alone, as promotion gate C sees what would be published. Every
 * method: a FeatureCollection of Features, with no `bbox` member anywhere. Then:
 * - `centroid_only`: every geometry is a single Point (one per feature).
 * - `bounding_box_only`: every geometry is a Polygon of one ring
 *   `[[w,s],[e,s],[e,n],[w,n],[w,s]]` with w < e and s < n (an axis-aligned rectangle).
 *   For both, when `properties` is given, no feature has another property.
 * - `grid_aggregation_<n>`: every geometry is a Point `[lon, lat]` (no third coordinate) that
 *   is exactly a cell centre of the n grid (`snapLongitude(lon) === lon`, likewise lat), so no
 *   coordinate is finer than the grid; properties are `count` (a positive integer) and the
 *   `properties` fields only; no feature `id`; no two features share a cell and group values.
 * - `dissolve_to_admin_unit`: every geometry is a Polygon or MultiPolygon; properties are
 *   `admin_unit` (a string or number), `count` and the `properties` fields only; no `id`;
 *   no two features share a unit and group values. When `adminUnits` and `adminIdField`
 *   are given, each geometry must also be exactly (canonical JSON) the geometry of the unit
 *   it names, and that unit must exist; without them the geometries cannot be checked
 *   against the units, only their kind (the caller says which check it ran).
 */
import { canonicalJson } from './canonicalJson.js';
import type { GeneralizationMethod } from './generalizationMethod.js';
import { inLonLatRange, snapLatitude, snapLongitude } from './gridCell.js';

interface VerifyOptions {
  properties?: string[];
  adminUnits?: { features: Array<{ properties: Record<string, unknown> | null; geometry: unknown }> };
  adminIdField?: string;
}

type Obj = Record<string, unknown>;

/** How many problems are listed before the rest are counted. */
export const MAX_PROBLEMS = 10;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export function verifyGeneralizedFeatures(fc: unknown, method: GeneralizationMethod, options: VerifyOptions): string[] {
  if (!isObj(fc) || fc['type'] !== 'FeatureCollection' || !Array.isArray(fc['features'])) return ['not a GeoJSON FeatureCollection'];
  const problems: string[] = [];
  if ('bbox' in fc) problems.push('the collection has a bbox member (it could reveal the raw extent)');
  const seen = new Set<string>();
  const units = unitGeometries(options);
  (fc['features'] as unknown[]).forEach((f, index) => {
    const found = verifyFeature(f, method, options, units);
    if ((method.kind === 'grid_aggregation' || method.kind === 'dissolve_to_admin_unit') && isObj(f) && isObj(f['geometry'])) {
      const key = groupKey(f, method);
      if (seen.has(key)) found.push('it repeats the cell or unit and group values of an earlier feature');
      seen.add(key);
    }
    for (const p of found) problems.push(`feature ${index}: ${p}`);
  });
  if (problems.length <= MAX_PROBLEMS) return problems;
  return [...problems.slice(0, MAX_PROBLEMS), `... and ${problems.length - MAX_PROBLEMS} more`];
}

function unitGeometries(options: VerifyOptions): Map<string, string> | undefined {
  const { adminUnits, adminIdField } = options;
  if (adminUnits === undefined || adminIdField === undefined) return undefined;
  const map = new Map<string, string>();
  for (const u of adminUnits.features) map.set(canonicalJson(u.properties?.[adminIdField] ?? null), canonicalJson(u.geometry));
  return map;
}

function groupKey(f: Obj, method: GeneralizationMethod): string {
  const props = isObj(f['properties']) ? { ...f['properties'] } : {};
  delete props['count'];
  const geometry = f['geometry'] as Obj;
  return JSON.stringify(canonicalOrNull(method.kind === 'grid_aggregation' ? [geometry['coordinates'], props] : props));
}

function verifyFeature(f: unknown, method: GeneralizationMethod, options: VerifyOptions, units: Map<string, string> | undefined): string[] {
  if (!isObj(f) || f['type'] !== 'Feature') return ['not a GeoJSON Feature'];
  const problems: string[] = [];
  if ('bbox' in f) problems.push('it has a bbox member');
  const geometry = f['geometry'];
  const properties = isObj(f['properties']) ? f['properties'] : {};
  if (!isObj(geometry)) return [...problems, 'it has no geometry'];
  const allowed = new Set(options.properties ?? []);
  switch (method.kind) {
    case 'centroid_only':
      if (!isPoint(geometry)) problems.push(`its geometry is a ${String(geometry['type'])}, not one Point`);
      break;
    case 'bounding_box_only':
      if (!isRectangle(geometry)) problems.push('its geometry is not an axis-aligned rectangle [[w,s],[e,s],[e,n],[w,n],[w,s]]');
      break;
    case 'grid_aggregation':
      problems.push(...gridProblems(geometry, method.n), ...aggregateProblems(f, properties, allowed, ['count']));
      break;
    case 'dissolve_to_admin_unit':
      problems.push(...dissolveProblems(geometry, properties, units), ...aggregateProblems(f, properties, allowed, ['admin_unit', 'count']));
      break;
  }
  if ((method.kind === 'centroid_only' || method.kind === 'bounding_box_only') && options.properties !== undefined) {
    const extra = Object.keys(properties).filter((k) => !allowed.has(k));
    if (extra.length > 0) problems.push(`it has properties not allowed: ${extra.join(', ')}`);
  }
  return problems;
}

function isPoint(g: Obj): boolean {
  const c = g['coordinates'];
  return g['type'] === 'Point' && Array.isArray(c) && c.length >= 2 && c.every(isNum);
}

function isRectangle(g: Obj): boolean {
  const rings = g['coordinates'];
  if (g['type'] !== 'Polygon' || !Array.isArray(rings) || rings.length !== 1) return false;
  const ring: unknown = rings[0];
  if (!Array.isArray(ring) || ring.length !== 5 || !ring.every((p) => Array.isArray(p) && p.length === 2 && p.every(isNum))) return false;
  const [[w, s], [e, s2], [e2, n], [w2, n2], [w3, s3]] = ring as [[number, number], [number, number], [number, number], [number, number], [number, number]];
  return w < e && s < n && s2 === s && e2 === e && w2 === w && n2 === n && w3 === w && s3 === s;
}

function gridProblems(g: Obj, n: number): string[] {
  const c = g['coordinates'];
  if (g['type'] !== 'Point' || !Array.isArray(c) || c.length !== 2 || !c.every(isNum)) return ['its geometry is not a Point [lon, lat]'];
  const [lon, lat] = c as [number, number];
  if (!inLonLatRange(lon, lat)) return [`[${lon}, ${lat}] is not a longitude/latitude`];
  if (snapLongitude(lon, n) !== lon || snapLatitude(lat, n) !== lat) {
    return [`[${lon}, ${lat}] is not a cell centre of the ${n}″ grid (the nearest is [${snapLongitude(lon, n)}, ${snapLatitude(lat, n)}])`];
  }
  return [];
}

function dissolveProblems(g: Obj, properties: Obj, units: Map<string, string> | undefined): string[] {
  if (g['type'] !== 'Polygon' && g['type'] !== 'MultiPolygon') return [`its geometry is a ${String(g['type'])}, not an admin unit's Polygon or MultiPolygon`];
  const unit = properties['admin_unit'];
  if (typeof unit !== 'string' && typeof unit !== 'number') return ['it has no admin_unit (a string or number)'];
  if (units === undefined) return [];
  const expected = units.get(canonicalJson(unit));
  if (expected === undefined) return [`admin_unit ${JSON.stringify(unit)} is not one of the admin units`];
  return expected === canonicalJson(g) ? [] : [`its geometry is not that of admin unit ${JSON.stringify(unit)}`];
}

function aggregateProblems(f: Obj, properties: Obj, allowed: Set<string>, own: string[]): string[] {
  const problems: string[] = [];
  if ('id' in f) problems.push('it has an id (aggregated features carry none)');
  const count = properties['count'];
  if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 1) problems.push('its count is not a positive integer');
  const extra = Object.keys(properties).filter((k) => !own.includes(k) && !allowed.has(k));
  if (extra.length > 0) problems.push(`it has properties not allowed: ${extra.join(', ')}`);
  return problems;
}

/** Canonical JSON of a value read from a document, or null for one JSON cannot carry. */
function canonicalOrNull(value: unknown): string | null {
  try {
    return canonicalJson(value);
  } catch {
    return null;
  }
}
