import type { Geometry, Position } from 'geojson';

/**
 * A GeoJSON geometry as EWKT with SRID 4326 (`SRID=4326;POINT(-97.33 37.69)`), the text
 * PostGIS's geometry input reads directly, so COPY can fill a `geometry(Geometry, 4326)`
 * column with no staging table. Coordinates are written as JavaScript's shortest
 * round-trip decimal, so PostGIS parses back the same float64 values. Polygon and
 * MultiPolygon stay what they are (the column is generic `Geometry`; us-atlas mixes them).
 */
export function geometryEwkt(g: Geometry): string {
  return `SRID=4326;${wkt(g)}`;
}

function wkt(g: Geometry): string {
  switch (g.type) {
    case 'Point':
      return g.coordinates.length === 0 ? 'POINT EMPTY' : `POINT(${pos(g.coordinates)})`;
    case 'MultiPoint':
      return `MULTIPOINT${list(g.coordinates.map((p) => `(${pos(p)})`))}`;
    case 'LineString':
      return `LINESTRING${line(g.coordinates)}`;
    case 'MultiLineString':
      return `MULTILINESTRING${list(g.coordinates.map(line))}`;
    case 'Polygon':
      return `POLYGON${list(g.coordinates.map(line))}`;
    case 'MultiPolygon':
      return `MULTIPOLYGON${list(g.coordinates.map((poly) => list(poly.map(line))))}`;
    case 'GeometryCollection':
      return `GEOMETRYCOLLECTION${list(g.geometries.map(wkt))}`;
  }
}

const pos = (p: Position) => `${p[0]} ${p[1]}`;
const line = (ps: Position[]) => list(ps.map(pos));
const list = (parts: string[]) => (parts.length === 0 ? ' EMPTY' : `(${parts.join(',')})`);
