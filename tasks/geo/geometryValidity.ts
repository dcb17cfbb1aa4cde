import type { Geometry, Position } from 'geojson';

export type GeometryValidity = { valid: true } | { valid: false; reason: string };

const VALID: GeometryValidity = { valid: true };

/**
 * Checks a GeoJSON geometry in EPSG:4326: every position has finite coordinates with
 * longitude in [-180, 180] and latitude in [-90, 90]; lines have at least 2 positions;
 * polygon rings are closed, have at least 4 positions (after dropping repeated consecutive
 * positions, which are allowed) and are simple: no two edges of a ring meet except
 * consecutive edges at their shared vertex. The ring test sorts edges by x and sweeps, so
 * it costs O(n log n) plus the pairs whose x-ranges overlap.
 */
export function geometryValidity(geometry: Geometry | null | undefined): GeometryValidity {
  if (geometry === null || geometry === undefined) return invalid('no geometry');
  switch (geometry.type) {
    case 'Point':
      return positionValidity(geometry.coordinates, 'point');
    case 'MultiPoint':
      if (!Array.isArray(geometry.coordinates)) return invalid('positions are not an array');
      return firstProblem(geometry.coordinates, (p, i) => positionValidity(p, `point ${i}`));
    case 'LineString':
      return lineValidity(geometry.coordinates, 'line');
    case 'MultiLineString':
      if (!Array.isArray(geometry.coordinates)) return invalid('lines are not an array');
      return firstProblem(geometry.coordinates, (line, i) => lineValidity(line, `line ${i}`));
    case 'Polygon':
      return polygonValidity(geometry.coordinates, 'polygon');
    case 'MultiPolygon':
      if (!Array.isArray(geometry.coordinates)) return invalid('polygons are not an array');
      if (geometry.coordinates.length === 0) return invalid('empty MultiPolygon');
      return firstProblem(geometry.coordinates, (rings, i) => polygonValidity(rings, `polygon ${i}`));
    case 'GeometryCollection':
      if (!Array.isArray(geometry.geometries)) return invalid('geometries are not an array');
      return firstProblem(geometry.geometries, (g) => geometryValidity(g));
    default:
      return invalid(`unknown geometry type ${JSON.stringify((geometry as { type: unknown }).type)}`);
  }
}

function invalid(reason: string): GeometryValidity {
  return { valid: false, reason };
}

function firstProblem<T>(items: T[], check: (item: T, index: number) => GeometryValidity): GeometryValidity {
  for (let i = 0; i < items.length; i++) {
    const result = check(items[i]!, i);
    if (!result.valid) return result;
  }
  return VALID;
}

function positionValidity(p: Position, where: string): GeometryValidity {
  if (!Array.isArray(p) || p.length < 2) return invalid(`${where}: a position needs 2 coordinates`);
  if (!p.every((c) => typeof c === 'number' && Number.isFinite(c))) {
    return invalid(`${where}: non-finite coordinate [${p.join(', ')}]`);
  }
  const [lon, lat] = p as [number, number];
  if (lon < -180 || lon > 180 || lat < -90 || lat > 90) {
    return invalid(`${where}: coordinate out of range [${lon}, ${lat}]`);
  }
  return VALID;
}

function lineValidity(line: Position[], where: string): GeometryValidity {
  if (!Array.isArray(line)) return invalid(`${where}: positions are not an array`);
  if (line.length < 2) return invalid(`${where}: fewer than 2 positions`);
  return firstProblem(line, (p, i) => positionValidity(p, `${where} position ${i}`));
}

function polygonValidity(rings: Position[][], where: string): GeometryValidity {
  if (!Array.isArray(rings)) return invalid(`${where}: rings are not an array`);
  if (rings.length === 0) return invalid(`${where}: no rings`);
  return firstProblem(rings, (ring, i) => ringValidity(ring, `${where} ring ${i}`));
}

function ringValidity(ring: Position[], where: string): GeometryValidity {
  if (!Array.isArray(ring)) return invalid(`${where}: positions are not an array`);
  if (ring.length < 4) return invalid(`${where}: fewer than 4 positions`);
  const positions = firstProblem(ring, (p, i) => positionValidity(p, `${where} position ${i}`));
  if (!positions.valid) return positions;
  const first = ring[0]!;
  const last = ring[ring.length - 1]!;
  if (first[0] !== last[0] || first[1] !== last[1]) return invalid(`${where}: not closed`);
  const points = withoutRepeats(ring);
  if (points.length < 4) return invalid(`${where}: fewer than 3 distinct vertices`);
  const crossing = findSelfIntersection(points);
  if (crossing !== null) {
    return invalid(`${where}: self-intersection between edges ${crossing[0]} and ${crossing[1]}`);
  }
  return VALID;
}

function withoutRepeats(ring: Position[]): Position[] {
  const out: Position[] = [ring[0]!];
  for (let i = 1; i < ring.length; i++) {
    const p = ring[i]!;
    const q = out[out.length - 1]!;
    if (p[0] !== q[0] || p[1] !== q[1]) out.push(p);
  }
  return out;
}

interface Edge {
  index: number;
  ax: number;
  ay: number;
  bx: number;
  by: number;
  minX: number;
  maxX: number;
  minY: number;
  maxY: number;
}

/**
 * The indices of two edges of a closed ring that meet where they should not, or null.
 * Edges are sorted by their left end; each edge is tested only against the edges that start
 * before it ends (sort-and-sweep on x), and then only when their y-ranges overlap.
 */
function findSelfIntersection(ring: Position[]): [number, number] | null {
  const m = ring.length - 1;
  const edges: Edge[] = [];
  for (let i = 0; i < m; i++) {
    const ax = ring[i]![0]!;
    const ay = ring[i]![1]!;
    const bx = ring[i + 1]![0]!;
    const by = ring[i + 1]![1]!;
    edges.push({
      index: i,
      ax, ay, bx, by,
      minX: Math.min(ax, bx),
      maxX: Math.max(ax, bx),
      minY: Math.min(ay, by),
      maxY: Math.max(ay, by),
    });
  }
  edges.sort((e, f) => e.minX - f.minX || e.index - f.index);
  for (let i = 0; i < edges.length; i++) {
    const e = edges[i]!;
    for (let j = i + 1; j < edges.length; j++) {
      const f = edges[j]!;
      if (f.minX > e.maxX) break;
      if (f.minY > e.maxY || f.maxY < e.minY) continue;
      const lo = Math.min(e.index, f.index);
      const hi = Math.max(e.index, f.index);
      const adjacent = hi - lo === 1 || (lo === 0 && hi === m - 1);
      const [loEdge, hiEdge] = e.index === lo ? [e, f] : [f, e];
      const meets = adjacent ? adjacentEdgesOverlap(loEdge, hiEdge, m) : edgesIntersect(e, f);
      if (meets) return [lo, hi];
    }
  }
  return null;
}

/**
 * Consecutive edges share one vertex; they are wrong only when they fold back over each
 * other (a spike): collinear, with the far ends on the same side of the shared vertex.
 */
function adjacentEdgesOverlap(lo: Edge, hi: Edge, m: number): boolean {
  // The wrap-around pair (0, m-1) meets at edge 0's start; any other pair at lo's end.
  const wraps = lo.index === 0 && hi.index === m - 1 && m > 2;
  const [first, second] = wraps ? [hi, lo] : [lo, hi];
  // first: p -> v, second: v -> q.
  const px = first.ax, py = first.ay, vx = first.bx, vy = first.by, qx = second.bx, qy = second.by;
  const cross = (vx - px) * (qy - py) - (vy - py) * (qx - px);
  if (cross !== 0) return false;
  const dot = (px - vx) * (qx - vx) + (py - vy) * (qy - vy);
  return dot > 0;
}

function orientation(ax: number, ay: number, bx: number, by: number, cx: number, cy: number): number {
  const v = (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
  return v > 0 ? 1 : v < 0 ? -1 : 0;
}

function onSegment(e: Edge, x: number, y: number): boolean {
  return x >= e.minX && x <= e.maxX && y >= e.minY && y <= e.maxY;
}

/** Whether two closed segments share any point (crossing, touching or overlapping). */
function edgesIntersect(e: Edge, f: Edge): boolean {
  const o1 = orientation(e.ax, e.ay, e.bx, e.by, f.ax, f.ay);
  const o2 = orientation(e.ax, e.ay, e.bx, e.by, f.bx, f.by);
  const o3 = orientation(f.ax, f.ay, f.bx, f.by, e.ax, e.ay);
  const o4 = orientation(f.ax, f.ay, f.bx, f.by, e.bx, e.by);
  if (o1 !== o2 && o3 !== o4 && o1 !== 0 && o2 !== 0 && o3 !== 0 && o4 !== 0) return true;
  if (o1 === 0 && onSegment(e, f.ax, f.ay)) return true;
  if (o2 === 0 && onSegment(e, f.bx, f.by)) return true;
  if (o3 === 0 && onSegment(f, e.ax, e.ay)) return true;
  if (o4 === 0 && onSegment(f, e.bx, e.by)) return true;
  return false;
}
