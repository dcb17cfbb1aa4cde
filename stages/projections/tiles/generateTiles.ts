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

/** A layer's geojson-vt index (tileIndex): what tiles are cut from. */
export interface LayerIndex {
  name: string;
  vt: GeoJSONVT;
}

/**
 * A layer's geojson-vt index, of zoom 0 only (its features converted and projected):
 * eachTile cuts every deeper tile on demand from its nearest ancestor. geojson-vt keeps
 * its own form of the features, so the caller may drop them once the index is built. An
 * index down to zoom 5 would hold a copy of every point per zoom (110 MB of heap for the
 * 135,233 world places, against 39 MB) for the same tiles.
 */
export function tileIndex(layer: TileLayer, options: TileOptions): LayerIndex {
  const vt = new GeoJSONVT(
    { type: 'FeatureCollection', features: layer.features },
    { maxZoom: options.maxzoom, indexMaxZoom: 0, indexMaxPoints: 0, extent: options.extent ?? 4096, buffer: options.buffer ?? 64, tolerance: 3 },
  );
  return { name: layer.name, vt };
}

/**
 * Cuts every non-empty tile of the layers from minzoom to maxzoom and hands each to
 * `sink` as it is encoded: depth first from zoom 0 (not tile id order, which the archive
 * writers sort into), descending only into non-empty tiles, and each tile dropped from
 * geojson-vt's index once its subtree is done. So the live heap holds the path being cut
 * and the siblings along it, not every tile of every zoom (an index of all zooms of the
 * 135,233 world places needs over 400 MB, one down to zoom 5 110 MB). Which tiles are
 * kept does not change what a tile holds: a tile is cut from the same ancestor either way.
 * vt-pbf encodes each tile (MVT v2), gzip level 6 compresses it: the same features give
 * the same bytes.
 */
export function eachTile(indexes: LayerIndex[], options: TileOptions, sink: (tile: Tile) => void): void {
  const extent = options.extent ?? 4096;
  const emit = (z: number, x: number, y: number): boolean => {
    const parts: Record<string, LegacyTile> = {};
    for (const { name, vt } of indexes) {
      const t = vt.getTile(z, x, y);
      if (t && t.features.length > 0) parts[name] = t;
    }
    if (Object.keys(parts).length === 0) return false;
    if (z >= options.minzoom) sink({ z, x, y, tileId: zxyToTileId(z, x, y), data: gzipSync(fromGeojsonVt(parts, { version: 2, extent }), { level: 6 }) });
    return true;
  };
  // geojson-vt's public `tiles` map, keyed ((2^z · y + x) · 32 + z); its tile list is not used.
  const maps = indexes.map(({ vt }) => {
    vt.tileCoords.length = 0;
    return (vt as unknown as { tiles: Record<number, unknown> }).tiles;
  });
  const visit = (z: number, x: number, y: number): void => {
    if (emit(z, x, y) && z < options.maxzoom) {
      for (const [cx, cy] of [[2 * x, 2 * y], [2 * x + 1, 2 * y], [2 * x, 2 * y + 1], [2 * x + 1, 2 * y + 1]] as const) visit(z + 1, cx, cy);
    }
    const id = ((1 << z) * y + x) * 32 + z;
    for (const tiles of maps) delete tiles[id];
  };
  visit(0, 0, 0);
}
