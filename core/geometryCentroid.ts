import type { Geometry, Position } from 'geojson';

/**
 * The centroid of a geometry, planar in its coordinates (degrees), as JTS defines it: of
 * its highest-dimension parts with a non-zero measure. Polygons: the area-weighted centroid
 * of their rings (holes subtract); else lines: the length-weighted mean of segment
 * midpoints; else points: the mean of every position. Null for a geometry with no
 * positions. Deterministic: positions are visited in document order.
 */
export function geometryCentroid(geometry: Geometry | null): Position | null {
  if (geometry === null) return null;
  const acc = { area: 0, ax: 0, ay: 0, length: 0, lx: 0, ly: 0, count: 0, px: 0, py: 0 };
  visit(geometry, acc);
  if (acc.area !== 0) return [acc.ax / (3 * acc.area), acc.ay / (3 * acc.area)];
  if (acc.length !== 0) return [acc.lx / acc.length, acc.ly / acc.length];
  if (acc.count !== 0) return [acc.px / acc.count, acc.py / acc.count];
  return null;
}

interface Accumulator {
  area: number;
  ax: number;
  ay: number;
  length: number;
  lx: number;
  ly: number;
  count: number;
  px: number;
  py: number;
}

function visit(geometry: Geometry, acc: Accumulator): void {
  switch (geometry.type) {
    case 'Point':
      points([geometry.coordinates], acc);
      return;
    case 'MultiPoint':
      points(geometry.coordinates, acc);
      return;
    case 'LineString':
      line(geometry.coordinates, acc);
      return;
    case 'MultiLineString':
      for (const l of geometry.coordinates) line(l, acc);
      return;
    case 'Polygon':
      polygon(geometry.coordinates, acc);
      return;
    case 'MultiPolygon':
      for (const p of geometry.coordinates) polygon(p, acc);
      return;
    case 'GeometryCollection':
      for (const g of geometry.geometries) visit(g, acc);
      return;
  }
}

function points(positions: Position[], acc: Accumulator): void {
  for (const p of positions) {
    acc.count++;
    acc.px += p[0]!;
    acc.py += p[1]!;
  }
}

function line(positions: Position[], acc: Accumulator): void {
  points(positions, acc);
  for (let i = 1; i < positions.length; i++) {
    const [x0, y0] = positions[i - 1]! as [number, number];
    const [x1, y1] = positions[i]! as [number, number];
    const len = Math.hypot(x1 - x0, y1 - y0);
    acc.length += len;
    acc.lx += (len * (x0 + x1)) / 2;
    acc.ly += (len * (y0 + y1)) / 2;
  }
}

/** Rings by the shoelace formula; a hole's area is subtracted whatever its winding. */
function polygon(rings: Position[][], acc: Accumulator): void {
  rings.forEach((ring, index) => {
    line(ring, acc);
    let a = 0;
    let cx = 0;
    let cy = 0;
    for (let i = 0; i < ring.length - 1; i++) {
      const [x0, y0] = ring[i]! as [number, number];
      const [x1, y1] = ring[i + 1]! as [number, number];
      const cross = x0 * y1 - x1 * y0;
      a += cross;
      cx += (x0 + x1) * cross;
      cy += (y0 + y1) * cross;
    }
    // a is twice the signed area; orient the outer ring positive and holes negative.
    const sign = (index === 0 ? 1 : -1) * (a < 0 ? -1 : 1);
    acc.area += (sign * a) / 2;
    acc.ax += (sign * cx) / 2;
    acc.ay += (sign * cy) / 2;
  });
}
