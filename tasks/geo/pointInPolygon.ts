import type { MultiPolygon, Polygon, Position } from 'geojson';

/**
 * Whether a point lies inside a Polygon or MultiPolygon, by ray casting (even-odd rule):
 * inside the outer ring and outside every hole, in any member of a MultiPolygon.
 *
 * The boundary is half-open: a point on a left or bottom edge is inside, on a right or top
 * edge outside. Each edge is evaluated with its endpoints in a fixed order, so two polygons
 * that share an edge compute the same crossing, and a point on their common edge falls in
 * exactly one of them (a partition such as counties assigns every point at most once).
 */
export function pointInPolygon(point: Position, geometry: Polygon | MultiPolygon): boolean {
  const x = point[0];
  const y = point[1];
  if (x === undefined || y === undefined) return false;
  if (geometry.type === 'Polygon') return inPolygonRings(x, y, geometry.coordinates);
  return geometry.coordinates.some((rings) => inPolygonRings(x, y, rings));
}

function inPolygonRings(x: number, y: number, rings: Position[][]): boolean {
  const [outer, ...holes] = rings;
  if (outer === undefined || !inRing(x, y, outer)) return false;
  return !holes.some((hole) => inRing(x, y, hole));
}

/** Crossing number of a rightward ray; the ring may be closed or not. */
function inRing(x: number, y: number, ring: Position[]): boolean {
  let inside = false;
  const n = ring.length;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const a = ring[i]!;
    const b = ring[j]!;
    const ay = a[1]!;
    const by = b[1]!;
    if (ay > y === by > y) continue;
    // Order the endpoints by y so that the same edge, walked either way, gives the same x.
    const [lo, hi] = ay < by ? [a, b] : [b, a];
    const lx = lo[0]!;
    const ly = lo[1]!;
    const crossX = lx + ((hi[0]! - lx) * (y - ly)) / (hi[1]! - ly);
    if (x < crossX) inside = !inside;
  }
  return inside;
}
