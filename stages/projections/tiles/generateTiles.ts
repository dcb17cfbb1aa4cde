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

/**
 * Every non-empty tile of the layers from minzoom to maxzoom, in tile id order. geojson-vt
 * cuts them (the whole index down to maxzoom in one pass: drilling down tile by tile was
 * twice as slow and no smaller), vt-pbf encodes them (MVT v2) and gzip (level 6)
 * compresses them: the same features give the same bytes. Each tile is dropped from
 * geojson-vt's index once encoded.
 */
export function generateTiles(layers: TileLayer[], options: TileOptions): Tile[] {
  const extent = options.extent ?? 4096;
  const indexes = layers.map((l) => ({
    name: l.name,
    vt: new GeoJSONVT(
      { type: 'FeatureCollection', features: l.features },
      { maxZoom: options.maxzoom, indexMaxZoom: options.maxzoom, indexMaxPoints: 0, extent, buffer: options.buffer ?? 64, tolerance: 3 },
    ),
  }));
  const coords = new Map<number, [number, number, number]>();
  for (const { vt } of indexes) for (const c of vt.tileCoords) if (c.z >= options.minzoom) coords.set(zxyToTileId(c.z, c.x, c.y), [c.z, c.x, c.y]);
  const tiles: Tile[] = [];
  for (const [tileId, [z, x, y]] of [...coords].sort((a, b) => a[0] - b[0])) {
    const parts: Record<string, LegacyTile> = {};
    for (const { name, vt } of indexes) {
      const t = vt.getTile(z, x, y);
      if (t && t.features.length > 0) parts[name] = t;
      delete (vt as unknown as { tiles: Record<number, unknown> }).tiles[((1 << z) * y + x) * 32 + z];
    }
    if (Object.keys(parts).length === 0) continue;
    tiles.push({ z, x, y, tileId, data: gzipSync(fromGeojsonVt(parts, { version: 2, extent }), { level: 6 }) });
  }
  return tiles;
}
