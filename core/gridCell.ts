/**
 * The grid of `grid_aggregation_<n>`: square cells of `n` arc-seconds (n/3600 degrees) on
 * EPSG:4326, anchored at (-180°, -90°). Cell (i, j) spans longitudes
 * [-180 + i·n/3600, -180 + (i+1)·n/3600) and latitudes likewise from -90; the last cell of a
 * row or column is closed (180° and 90° fall in it). n divides 648000, so every cell is whole.
 *
 * A cell is published as its centre, rounded to 1e-9 degrees: `-180 + (i + 0.5)·n/3600`.
 * Only IEEE-754 basic operations are used, so the centre is the same double on every
 * machine, and snapping is idempotent (a centre snaps to itself: it lies half a cell,
 * ≥ 1/7200°, from the cell's edges, far more than the rounding), which makes "this
 * coordinate is a cell centre" an exact test: `snapLongitude(x, n) === x`.
 */

/** 180° in arc-seconds: n must divide it. */
export const GRID_SPAN_ARCSEC = 648_000;

const ROUND = 1e9;

function round9(value: number): number {
  const r = Math.round(value * ROUND) / ROUND;
  return r === 0 ? 0 : r; // no -0 in published coordinates
}

/** The cell index of a coordinate `value` on an axis starting at `origin` with `cells` cells. */
function cellIndex(value: number, origin: number, n: number, cells: number): number {
  return Math.min(cells - 1, Math.floor(((value - origin) * 3600) / n));
}

function centre(index: number, origin: number, n: number): number {
  return round9(origin + ((index + 0.5) * n) / 3600);
}

/** The longitude cell index of `lon` (in [-180, 180]). */
export function longitudeCell(lon: number, n: number): number {
  return cellIndex(lon, -180, n, (2 * GRID_SPAN_ARCSEC) / n);
}

/** The latitude cell index of `lat` (in [-90, 90]). */
export function latitudeCell(lat: number, n: number): number {
  return cellIndex(lat, -90, n, GRID_SPAN_ARCSEC / n);
}

export function longitudeCentre(i: number, n: number): number {
  return centre(i, -180, n);
}

export function latitudeCentre(j: number, n: number): number {
  return centre(j, -90, n);
}

/** The centre longitude of the cell holding `lon`. */
export function snapLongitude(lon: number, n: number): number {
  return longitudeCentre(longitudeCell(lon, n), n);
}

/** The centre latitude of the cell holding `lat`. */
export function snapLatitude(lat: number, n: number): number {
  return latitudeCentre(latitudeCell(lat, n), n);
}

/** Whether a position is a real EPSG:4326 longitude/latitude pair. */
export function inLonLatRange(lon: number, lat: number): boolean {
  return Number.isFinite(lon) && Number.isFinite(lat) && lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90;
}
