/** `[west, south, east, north]`. */
export type Bbox = [number, number, number, number];

/**
 * The bounding box of a GeoJSON document (a FeatureCollection, a Feature or a geometry),
 * computed from every position in it, and its feature count; undefined when it holds no
 * position. Longitudes are taken as they are (no antimeridian handling: kfm's data is not
 * near it).
 */
export function geojsonBbox(doc: unknown): { bbox: Bbox; features: number } | undefined {
  const box: Bbox = [Infinity, Infinity, -Infinity, -Infinity];
  let features = 0;
  const visitCoords = (c: unknown): void => {
    if (!Array.isArray(c)) return;
    if (c.length >= 2 && typeof c[0] === 'number' && typeof c[1] === 'number') {
      const [x, y] = c as number[];
      if (!Number.isFinite(x) || !Number.isFinite(y)) return;
      box[0] = Math.min(box[0], x!);
      box[1] = Math.min(box[1], y!);
      box[2] = Math.max(box[2], x!);
      box[3] = Math.max(box[3], y!);
      return;
    }
    for (const inner of c) visitCoords(inner);
  };
  const visit = (g: unknown): void => {
    if (typeof g !== 'object' || g === null) return;
    const o = g as Record<string, unknown>;
    if (o.type === 'FeatureCollection' && Array.isArray(o.features)) for (const f of o.features) visit(f);
    else if (o.type === 'Feature') {
      features++;
      visit(o.geometry);
    } else if (o.type === 'GeometryCollection' && Array.isArray(o.geometries)) for (const x of o.geometries) visit(x);
    else visitCoords(o.coordinates);
  };
  visit(doc);
  return box[0] === Infinity ? undefined : { bbox: box, features };
}

/** The smallest box holding all of them; undefined for none. */
export function unionBbox(boxes: readonly Bbox[]): Bbox | undefined {
  if (boxes.length === 0) return undefined;
  return boxes.reduce<Bbox>((a, b) => [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[2], b[2]), Math.max(a[3], b[3])], [
    Infinity,
    Infinity,
    -Infinity,
    -Infinity,
  ]);
}
