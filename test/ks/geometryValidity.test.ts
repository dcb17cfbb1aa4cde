import type { Geometry, Polygon } from 'geojson';
import { describe, expect, it } from 'vitest';
import { geometryValidity } from '../../tasks/geo/geometryValidity.js';

const poly = (...rings: number[][][]): Polygon => ({ type: 'Polygon', coordinates: rings });
const square = [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]];

describe('geometryValidity', () => {
  it('accepts a square, in either orientation, and with a hole', () => {
    expect(geometryValidity(poly(square))).toEqual({ valid: true });
    expect(geometryValidity(poly([...square].reverse()))).toEqual({ valid: true });
    const outer = [[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]];
    const hole = [[4, 4], [4, 6], [6, 6], [6, 4], [4, 4]];
    expect(geometryValidity(poly(outer, hole))).toEqual({ valid: true });
  });

  it('rejects an unclosed ring', () => {
    expect(geometryValidity(poly([[0, 0], [1, 0], [1, 1], [0, 1]]))).toEqual({
      valid: false,
      reason: 'polygon ring 0: not closed',
    });
    expect(geometryValidity(poly([[0, 0], [1, 0], [1, 1], [0, 1], [0, 0.5]]))).toEqual({
      valid: false,
      reason: 'polygon ring 0: not closed',
    });
  });

  it('rejects rings with fewer than 4 positions, or only 2 distinct vertices', () => {
    expect(geometryValidity(poly([[0, 0], [1, 0], [0, 0]]))).toEqual({
      valid: false,
      reason: 'polygon ring 0: fewer than 4 positions',
    });
    expect(geometryValidity(poly([[0, 0], [1, 0], [1, 0], [0, 0]]))).toEqual({
      valid: false,
      reason: 'polygon ring 0: fewer than 3 distinct vertices',
    });
  });

  it('rejects a bow-tie', () => {
    const bowTie = [[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]];
    expect(geometryValidity(poly(bowTie))).toEqual({
      valid: false,
      reason: 'polygon ring 0: self-intersection between edges 0 and 2',
    });
  });

  it('rejects a ring that touches itself at a vertex and one that folds back (spike)', () => {
    const figureEight = [[0, 0], [2, 0], [1, 1], [2, 2], [0, 2], [1, 1], [0, 0]];
    expect(geometryValidity(poly(figureEight)).valid).toBe(false);
    // Edge 1 runs back along edge 0.
    const spike = [[0, 0], [3, 0], [2, 0], [2, 2], [0, 2], [0, 0]];
    expect(geometryValidity(poly(spike))).toEqual({
      valid: false,
      reason: 'polygon ring 0: self-intersection between edges 0 and 1',
    });
  });

  it('allows repeated consecutive positions', () => {
    expect(geometryValidity(poly([[0, 0], [1, 0], [1, 0], [1, 1], [0, 1], [0, 0]]))).toEqual({ valid: true });
  });

  it('rejects NaN, infinite and out-of-range coordinates', () => {
    expect(geometryValidity(poly([[0, 0], [NaN, 0], [1, 1], [0, 1], [0, 0]]))).toEqual({
      valid: false,
      reason: 'polygon ring 0 position 1: non-finite coordinate [NaN, 0]',
    });
    expect(geometryValidity({ type: 'Point', coordinates: [Infinity, 0] }).valid).toBe(false);
    expect(geometryValidity({ type: 'Point', coordinates: [181, 0] })).toEqual({
      valid: false,
      reason: 'point: coordinate out of range [181, 0]',
    });
    expect(geometryValidity({ type: 'Point', coordinates: [0, -90.5] }).valid).toBe(false);
    expect(geometryValidity({ type: 'Point', coordinates: [-102.05, 37.5] })).toEqual({ valid: true });
  });

  it('checks every polygon of a MultiPolygon and says which failed', () => {
    const bad = [[5, 5], [6, 6], [6, 5], [5, 6], [5, 5]];
    const g: Geometry = { type: 'MultiPolygon', coordinates: [[square], [bad]] };
    expect(geometryValidity(g)).toEqual({
      valid: false,
      reason: 'polygon 1 ring 0: self-intersection between edges 0 and 2',
    });
    expect(geometryValidity({ type: 'MultiPolygon', coordinates: [] }).valid).toBe(false);
  });

  it('rejects a missing geometry and short lines', () => {
    expect(geometryValidity(null)).toEqual({ valid: false, reason: 'no geometry' });
    expect(geometryValidity({ type: 'LineString', coordinates: [[0, 0]] })).toEqual({
      valid: false,
      reason: 'line: fewer than 2 positions',
    });
  });

  it('reports malformed coordinates instead of crashing', () => {
    const malformed = (coordinates: unknown): Geometry => ({ type: 'Polygon', coordinates }) as unknown as Geometry;
    expect(geometryValidity(malformed(null))).toEqual({ valid: false, reason: 'polygon: rings are not an array' });
    expect(geometryValidity(malformed([null]))).toEqual({
      valid: false,
      reason: 'polygon ring 0: positions are not an array',
    });
    expect(geometryValidity(malformed([[[0, 0], 'x', [1, 1], [0, 0]]]))).toEqual({
      valid: false,
      reason: 'polygon ring 0 position 1: a position needs 2 coordinates',
    });
    expect(geometryValidity({ type: 'Circle' } as unknown as Geometry)).toEqual({
      valid: false,
      reason: 'unknown geometry type "Circle"',
    });
  });

  it('checks a ring of 20,000 vertices', () => {
    const n = 20_000;
    const ring: number[][] = [];
    for (let i = 0; i < n; i++) {
      const a = (2 * Math.PI * i) / n;
      ring.push([Math.cos(a) * 10, Math.sin(a) * 10]);
    }
    ring.push(ring[0]!);
    expect(geometryValidity(poly(ring))).toEqual({ valid: true });
  });
});
