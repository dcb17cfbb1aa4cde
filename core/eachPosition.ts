import type { Geometry, Position } from 'geojson';

/** Calls `visit` on every position of a geometry, in document order (nothing for null). */
export function eachPosition(geometry: Geometry | null, visit: (p: Position) => void): void {
  if (geometry === null) return;
  switch (geometry.type) {
    case 'Point':
      visit(geometry.coordinates);
      return;
    case 'MultiPoint':
    case 'LineString':
      geometry.coordinates.forEach(visit);
      return;
    case 'MultiLineString':
    case 'Polygon':
      for (const l of geometry.coordinates) l.forEach(visit);
      return;
    case 'MultiPolygon':
      for (const p of geometry.coordinates) for (const r of p) r.forEach(visit);
      return;
    case 'GeometryCollection':
      for (const g of geometry.geometries) eachPosition(g, visit);
      return;
  }
}
