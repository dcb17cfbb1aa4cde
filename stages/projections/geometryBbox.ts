import type { Geometry, Position } from 'geojson';
import type { Bbox } from './projectedVersion.js';

/** The bounding box of a GeoJSON geometry; null for an empty one (or a null geometry). */
export function geometryBbox(geometry: Geometry | null): Bbox | null {
  if (!geometry) return null;
  const box: Bbox = [Infinity, Infinity, -Infinity, -Infinity];
  visit(geometry, (p) => {
    const [x, y] = p as [number, number];
    if (x < box[0]) box[0] = x;
    if (y < box[1]) box[1] = y;
    if (x > box[2]) box[2] = x;
    if (y > box[3]) box[3] = y;
  });
  return box[0] === Infinity ? null : box;
}

/** The union of two boxes (either may be null). */
export function unionBbox(a: Bbox | null, b: Bbox | null): Bbox | null {
  if (!a) return b;
  if (!b) return a;
  return [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[2], b[2]), Math.max(a[3], b[3])];
}

function visit(g: Geometry, f: (p: Position) => void): void {
  switch (g.type) {
    case 'Point':
      f(g.coordinates);
      return;
    case 'MultiPoint':
    case 'LineString':
      g.coordinates.forEach(f);
      return;
    case 'MultiLineString':
    case 'Polygon':
      for (const line of g.coordinates) line.forEach(f);
      return;
    case 'MultiPolygon':
      for (const poly of g.coordinates) for (const line of poly) line.forEach(f);
      return;
    case 'GeometryCollection':
      for (const part of g.geometries) visit(part, f);
      return;
  }
}
