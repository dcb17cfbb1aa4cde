/** GeoJSON → EWKT (what COPY writes into PostGIS) and COPY text escaping. */
import { describe, expect, it } from 'vitest';
import { copyField, copyLine } from '../../stages/projections/postgis/copyText.js';
import { geometryEwkt } from '../../stages/projections/postgis/geometryEwkt.js';

describe('geometryEwkt', () => {
  it('writes each geometry type with SRID 4326 and round-trip decimals', () => {
    expect(geometryEwkt({ type: 'Point', coordinates: [-97.33, 37.69] })).toBe('SRID=4326;POINT(-97.33 37.69)');
    expect(geometryEwkt({ type: 'Point', coordinates: [0.1 + 0.2, 1e-7] })).toBe('SRID=4326;POINT(0.30000000000000004 1e-7)');
    expect(geometryEwkt({ type: 'MultiPoint', coordinates: [[1, 2], [3, 4]] })).toBe('SRID=4326;MULTIPOINT((1 2),(3 4))');
    expect(geometryEwkt({ type: 'LineString', coordinates: [[1, 2], [3, 4]] })).toBe('SRID=4326;LINESTRING(1 2,3 4)');
    expect(geometryEwkt({ type: 'MultiLineString', coordinates: [[[1, 2], [3, 4]], [[5, 6], [7, 8]]] })).toBe('SRID=4326;MULTILINESTRING((1 2,3 4),(5 6,7 8))');
    const ring = [[0, 0], [1, 0], [1, 1], [0, 0]];
    expect(geometryEwkt({ type: 'Polygon', coordinates: [ring] })).toBe('SRID=4326;POLYGON((0 0,1 0,1 1,0 0))');
    expect(geometryEwkt({ type: 'MultiPolygon', coordinates: [[ring], [ring]] })).toBe('SRID=4326;MULTIPOLYGON(((0 0,1 0,1 1,0 0)),((0 0,1 0,1 1,0 0)))');
    expect(geometryEwkt({ type: 'GeometryCollection', geometries: [{ type: 'Point', coordinates: [1, 2] }] })).toBe('SRID=4326;GEOMETRYCOLLECTION(POINT(1 2))');
    expect(geometryEwkt({ type: 'MultiPolygon', coordinates: [] })).toBe('SRID=4326;MULTIPOLYGON EMPTY');
  });

  it('escapes COPY text fields', () => {
    expect(copyField(null)).toBe('\\N');
    expect(copyField('a\tb\nc\\d\re')).toBe('a\\tb\\nc\\\\d\\re');
    expect(copyLine(['x', 1, null])).toBe('x\t1\t\\N\n');
  });
});
