import type { Geometry } from 'geojson';
import { eachPosition } from './eachPosition.js';

/** `[west, south, east, north]`. */
export type Bbox = [number, number, number, number];

/** The bounding box of a GeoJSON geometry; null for an empty one (or a null geometry). */
export function geometryBbox(geometry: Geometry | null): Bbox | null {
  const box: Bbox = [Infinity, Infinity, -Infinity, -Infinity];
  eachPosition(geometry, (p) => {
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
