import type { MultiPolygon, Polygon } from 'geojson';
import { describe, expect, it } from 'vitest';
import { pointInPolygon } from '../../tasks/geo/pointInPolygon.js';

const square = (x0: number, y0: number, x1: number, y1: number): number[][] => [
  [x0, y0],
  [x1, y0],
  [x1, y1],
  [x0, y1],
  [x0, y0],
];

const withHole: Polygon = { type: 'Polygon', coordinates: [square(0, 0, 10, 10), square(4, 4, 6, 6)] };

describe('pointInPolygon', () => {
  it('finds points inside and outside a simple polygon', () => {
    const p: Polygon = { type: 'Polygon', coordinates: [square(0, 0, 1, 1)] };
    expect(pointInPolygon([0.5, 0.5], p)).toBe(true);
    expect(pointInPolygon([1.5, 0.5], p)).toBe(false);
    expect(pointInPolygon([-0.5, 0.5], p)).toBe(false);
    expect(pointInPolygon([0.5, 1.5], p)).toBe(false);
  });

  it('excludes holes', () => {
    expect(pointInPolygon([2, 2], withHole)).toBe(true);
    expect(pointInPolygon([5, 5], withHole)).toBe(false);
    expect(pointInPolygon([5, 7], withHole)).toBe(true);
  });

  it('accepts either ring orientation', () => {
    const clockwise: Polygon = { type: 'Polygon', coordinates: [square(0, 0, 1, 1).reverse()] };
    expect(pointInPolygon([0.5, 0.5], clockwise)).toBe(true);
    expect(pointInPolygon([2, 0.5], clockwise)).toBe(false);
  });

  it('handles a concave polygon where the ray crosses several edges', () => {
    // A "U": the notch between x=1..2 above y=1 is outside.
    const u: Polygon = {
      type: 'Polygon',
      coordinates: [[[0, 0], [3, 0], [3, 3], [2, 3], [2, 1], [1, 1], [1, 3], [0, 3], [0, 0]]],
    };
    expect(pointInPolygon([0.5, 2], u)).toBe(true);
    expect(pointInPolygon([1.5, 2], u)).toBe(false);
    expect(pointInPolygon([2.5, 2], u)).toBe(true);
    expect(pointInPolygon([1.5, 0.5], u)).toBe(true);
  });

  it('tests every member of a MultiPolygon, holes included', () => {
    const multi: MultiPolygon = {
      type: 'MultiPolygon',
      coordinates: [[square(0, 0, 1, 1)], withHole.coordinates.map((r) => r.map(([x, y]) => [x! + 20, y!]))],
    };
    expect(pointInPolygon([0.5, 0.5], multi)).toBe(true);
    expect(pointInPolygon([22, 2], multi)).toBe(true);
    expect(pointInPolygon([25, 5], multi)).toBe(false);
    expect(pointInPolygon([10, 5], multi)).toBe(false);
  });

  it('treats the boundary as half-open: left and bottom edges in, right and top out', () => {
    const p: Polygon = { type: 'Polygon', coordinates: [square(0, 0, 1, 1)] };
    expect(pointInPolygon([0, 0.5], p)).toBe(true);
    expect(pointInPolygon([0.5, 0], p)).toBe(true);
    expect(pointInPolygon([1, 0.5], p)).toBe(false);
    expect(pointInPolygon([0.5, 1], p)).toBe(false);
  });

  it('puts a point on an edge shared by two polygons in exactly one of them', () => {
    // Two quadrilaterals sharing a slanted edge, walked in opposite directions.
    const left: Polygon = { type: 'Polygon', coordinates: [[[0, 0], [1.3, 0], [0.7, 3], [0, 3], [0, 0]]] };
    const right: Polygon = { type: 'Polygon', coordinates: [[[1.3, 0], [3, 0], [3, 3], [0.7, 3], [1.3, 0]]] };
    for (let i = 1; i < 30; i++) {
      const t = i / 30;
      const point = [1.3 + (0.7 - 1.3) * t, 3 * t];
      const hits = [left, right].filter((p) => pointInPolygon(point, p)).length;
      expect(hits, `point ${point.join(', ')}`).toBe(1);
    }
  });

  it('is false for a point without coordinates or an empty polygon', () => {
    expect(pointInPolygon([], { type: 'Polygon', coordinates: [square(0, 0, 1, 1)] })).toBe(false);
    expect(pointInPolygon([0.5, 0.5], { type: 'Polygon', coordinates: [] })).toBe(false);
    expect(pointInPolygon([0.5, 0.5], { type: 'MultiPolygon', coordinates: [] })).toBe(false);
  });
});
