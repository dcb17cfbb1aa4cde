import type { Feature } from 'geojson';
import type { Bbox } from '../projectedVersion.js';

/** A vector layer as TileJSON describes it: its fields' types and zoom range. */
export interface VectorLayer {
  id: string;
  fields: Record<string, 'Number' | 'Boolean' | 'String'>;
  minzoom: number;
  maxzoom: number;
}

/**
 * What a tile archive says about itself (MBTiles `metadata` rows, the PMTiles metadata
 * JSON): TileJSON's fields, and the version it projects, so a drift check can read it back.
 */
export interface TileArchiveMetadata {
  name: string;
  format: 'pbf';
  type: 'overlay';
  bounds: Bbox;
  center: [number, number, number];
  minzoom: number;
  maxzoom: number;
  vector_layers: VectorLayer[];
  kfm_projection_version: string;
  dataset_slug: string;
  dataset_version_id: string;
  spec_hash: string;
  feature_count: number;
  tile_count: number;
}

/** Web Mercator's latitude limit: the bounds of an archive with no geometry. */
export const WORLD: Bbox = [-180, -85.0511287, 180, 85.0511287];

/** The fields of a layer: each property's type over all features (mixed or non-scalar: String). */
export function layerFields(features: Feature[]): VectorLayer['fields'] {
  const types = new Map<string, string>();
  for (const f of features) {
    for (const [k, v] of Object.entries(f.properties ?? {})) {
      if (v === null || v === undefined) continue;
      const t = typeof v === 'number' ? 'Number' : typeof v === 'boolean' ? 'Boolean' : 'String';
      const seen = types.get(k);
      types.set(k, seen === undefined || seen === t ? t : 'String');
    }
  }
  return Object.fromEntries([...types].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) as VectorLayer['fields'];
}

/** The archive's center: the middle of its bounds, at its lowest zoom. */
export function centerOf(bounds: Bbox, minzoom: number): [number, number, number] {
  return [(bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2, minzoom];
}
