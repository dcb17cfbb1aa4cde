import type { Geometry, Position } from 'geojson';

const TYPE = { Point: 1, LineString: 2, Polygon: 3, MultiPoint: 4, MultiLineString: 5, MultiPolygon: 6, GeometryCollection: 7 } as const;
const SRID_FLAG = 0x20000000;

/**
 * A GeoJSON geometry as hex EWKB with SRID 4326, the text PostGIS's geometry input reads
 * fastest (what `ogr2ogr` COPYs too): little-endian WKB, the outer geometry flagged as
 * carrying an SRID. Coordinates are the float64 values themselves, bit for bit (2D: a third
 * ordinate is dropped). An empty Point is written as NaN, NaN, as PostGIS does.
 */
export function geometryHexEwkb(g: Geometry): string {
  const buf = Buffer.alloc(size(g) + 4);
  const end = write(g, buf, 0, true);
  return buf.toString('hex', 0, end);
}

function size(g: Geometry): number {
  switch (g.type) {
    case 'Point':
      return 5 + 16;
    case 'LineString':
    case 'MultiPoint':
      return g.type === 'LineString' ? 9 + 16 * g.coordinates.length : 9 + 21 * g.coordinates.length;
    case 'Polygon':
      return 9 + g.coordinates.reduce((n, ring) => n + 4 + 16 * ring.length, 0);
    case 'MultiLineString':
      return 9 + g.coordinates.reduce((n, line) => n + 9 + 16 * line.length, 0);
    case 'MultiPolygon':
      return 9 + g.coordinates.reduce((n, poly) => n + 9 + poly.reduce((m, ring) => m + 4 + 16 * ring.length, 0), 0);
    case 'GeometryCollection':
      return 9 + g.geometries.reduce((n, part) => n + size(part), 0);
  }
}

function header(buf: Buffer, at: number, type: number, srid: boolean): number {
  buf.writeUInt8(1, at);
  buf.writeUInt32LE(srid ? (type | SRID_FLAG) >>> 0 : type, at + 1);
  if (!srid) return at + 5;
  buf.writeUInt32LE(4326, at + 5);
  return at + 9;
}

function point(buf: Buffer, at: number, p: Position): number {
  buf.writeDoubleLE(p.length === 0 ? NaN : p[0]!, at);
  buf.writeDoubleLE(p.length === 0 ? NaN : p[1]!, at + 8);
  return at + 16;
}

function points(buf: Buffer, at: number, ps: Position[]): number {
  buf.writeUInt32LE(ps.length, at);
  let o = at + 4;
  for (const p of ps) o = point(buf, o, p);
  return o;
}

function write(g: Geometry, buf: Buffer, at: number, srid: boolean): number {
  let o = header(buf, at, TYPE[g.type], srid);
  switch (g.type) {
    case 'Point':
      return point(buf, o, g.coordinates);
    case 'LineString':
      return points(buf, o, g.coordinates);
    case 'Polygon':
      buf.writeUInt32LE(g.coordinates.length, o);
      o += 4;
      for (const ring of g.coordinates) o = points(buf, o, ring);
      return o;
    case 'MultiPoint':
      return parts(buf, o, g.coordinates.map((coordinates) => ({ type: 'Point', coordinates })));
    case 'MultiLineString':
      return parts(buf, o, g.coordinates.map((coordinates) => ({ type: 'LineString', coordinates })));
    case 'MultiPolygon':
      return parts(buf, o, g.coordinates.map((coordinates) => ({ type: 'Polygon', coordinates })));
    case 'GeometryCollection':
      return parts(buf, o, g.geometries);
  }
}

function parts(buf: Buffer, at: number, gs: Geometry[]): number {
  buf.writeUInt32LE(gs.length, at);
  let o = at + 4;
  for (const part of gs) o = write(part, buf, o, false);
  return o;
}
