import { gzipSync } from 'node:zlib';
import type { Feature } from 'geojson';
import GeoJSONVT, { type LegacyTile } from 'geojson-vt';
import { fromGeojsonVt } from 'vt-pbf';
import { zxyToTileId } from './tileId.js';

/** A vector tile: MVT (protobuf) bytes, gzip-compressed, at z/x/y (XYZ rows, y down). */
export interface Tile {
  z: number;
  x: number;
  y: number;
  tileId: number;
  data: Buffer;
}

export interface TileOptions {
  minzoom: number;
  maxzoom: number;
  /** MVT extent (default 4096) and buffer in tile units (default 64). */
  extent?: number;
  buffer?: number;
}

/** A layer to tile: its name in the MVT and its features (WGS 84 GeoJSON). */
export interface TileLayer {
  name: string;
  features: Feature[];
}

/** The zoom geojson-vt indexes in its first pass; deeper tiles are cut from their ancestor at this zoom. */
const INDEX_ZOOM = 5;

/**
 * Every non-empty tile of the layers from minzoom to maxzoom, in tile id order. geojson-vt
 * cuts them: an index down to zoom 5, then each zoom-5 tile's subtree drilled down depth
 * first (only into non-empty tiles) and dropped from the index once encoded, so the live
 * heap holds the index and one subtree, not every tile of every zoom (an index of all
 * zooms of the 135,233 world places needs over 400 MB). vt-pbf encodes each tile (MVT v2),
 * gzip level 6 compresses it: the same features give the same bytes.
 */
export function generateTiles(layers: TileLayer[], options: TileOptions): Tile[] {
  const extent = options.extent ?? 4096;
  const indexZoom = Math.min(INDEX_ZOOM, options.maxzoom);
  const indexes = layers.map((l) => ({
    name: l.name,
    vt: new GeoJSONVT(
      { type: 'FeatureCollection', features: l.features },
      { maxZoom: options.maxzoom, indexMaxZoom: indexZoom, indexMaxPoints: 0, extent, buffer: options.buffer ?? 64, tolerance: 3 },
    ),
  }));
  const tiles: Tile[] = [];
  const emit = (z: number, x: number, y: number): boolean => {
    const parts: Record<string, LegacyTile> = {};
    for (const { name, vt } of indexes) {
      const t = vt.getTile(z, x, y);
      if (t && t.features.length > 0) parts[name] = t;
    }
    if (Object.keys(parts).length === 0) return false;
    // A copy: zlib hands back a view of its 16 KiB output chunk, which would keep the whole chunk alive per tile.
    if (z >= options.minzoom) tiles.push({ z, x, y, tileId: zxyToTileId(z, x, y), data: Buffer.from(gzipSync(fromGeojsonVt(parts, { version: 2, extent }), { level: 6 })) });
    return true;
  };
  const roots = new Map<number, [number, number, number]>();
  for (const { vt } of indexes) for (const c of vt.tileCoords) if (c.z <= indexZoom) roots.set(zxyToTileId(c.z, c.x, c.y), [c.z, c.x, c.y]);
  for (const [z, x, y] of [...roots].sort((a, b) => a[0] - b[0]).map(([, c]) => c)) {
    if (!emit(z, x, y) || z < indexZoom) continue;
    descend(z, x, y, options.maxzoom, emit);
    for (const { vt } of indexes) forgetSubtree(vt, indexZoom, ((1 << z) * y + x) * 32 + z);
  }
  return tiles.sort((a, b) => a.tileId - b.tileId);
}

/** Emits the children of z/x/y down to maxzoom, descending only into non-empty tiles. */
function descend(z: number, x: number, y: number, maxzoom: number, emit: (z: number, x: number, y: number) => boolean): void {
  if (z >= maxzoom) return;
  for (const [cx, cy] of [[2 * x, 2 * y], [2 * x + 1, 2 * y], [2 * x, 2 * y + 1], [2 * x + 1, 2 * y + 1]] as const) {
    if (emit(z + 1, cx, cy)) descend(z + 1, cx, cy, maxzoom, emit);
  }
}

/**
 * Drops what a finished subtree left in geojson-vt's index (its public `tiles` map, keyed
 * ((2^z · y + x) · 32 + z)): every tile below the index zoom, and the root's source features.
 */
function forgetSubtree(vt: GeoJSONVT, indexZoom: number, rootId: number): void {
  const tiles = (vt as unknown as { tiles: Record<string, { source: unknown } | undefined> }).tiles;
  for (const id of Object.keys(tiles)) if (Number(id) % 32 > indexZoom) delete tiles[id];
  const root = tiles[rootId];
  if (root) root.source = null;
}
