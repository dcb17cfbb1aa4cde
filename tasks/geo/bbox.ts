import type { Geometry, Position } from 'geojson';

/** `[west, south, east, north]` in degrees. */
export type Bbox = [number, number, number, number];

/** The bounding box of a geometry's positions, or null when it has none. */
export function geometryBbox(geometry: Geometry | null): Bbox | null {
  if (geometry === null) return null;
  const box: Bbox = [Infinity, Infinity, -Infinity, -Infinity];
  const add = (p: Position): void => {
    const x = p[0];
    const y = p[1];
    if (x === undefined || y === undefined) return;
    if (x < box[0]) box[0] = x;
    if (y < box[1]) box[1] = y;
    if (x > box[2]) box[2] = x;
    if (y > box[3]) box[3] = y;
  };
  visitPositions(geometry, add);
  return box[0] <= box[2] && box[1] <= box[3] ? box : null;
}

/** Whether `inner` lies inside `outer`, allowing `tolerance` degrees on every side. */
export function bboxWithin(inner: Bbox, outer: Bbox, tolerance = 0): boolean {
  return (
    inner[0] >= outer[0] - tolerance &&
    inner[1] >= outer[1] - tolerance &&
    inner[2] <= outer[2] + tolerance &&
    inner[3] <= outer[3] + tolerance
  );
}

export function bboxContainsPoint(box: Bbox, x: number, y: number): boolean {
  return x >= box[0] && x <= box[2] && y >= box[1] && y <= box[3];
}

function visitPositions(geometry: Geometry, visit: (p: Position) => void): void {
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
      for (const line of geometry.coordinates) line.forEach(visit);
      return;
    case 'MultiPolygon':
      for (const polygon of geometry.coordinates) for (const ring of polygon) ring.forEach(visit);
      return;
    case 'GeometryCollection':
      for (const g of geometry.geometries) visitPositions(g, visit);
      return;
  }
}
