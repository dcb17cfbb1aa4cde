import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Digest } from '../../../core/digest.js';
import { KfmError } from '../../../core/error.js';
import { schemaValidator } from '../../../store/schemaValidator.js';

export const TILES_MANIFEST_VERSION = 'v1';
export type ArchiveFormat = 'mbtiles' | 'pmtiles';
export const ARCHIVE_FORMATS: readonly ArchiveFormat[] = ['mbtiles', 'pmtiles'];

/**
 * `<tiles dir>/<slug>/<dvid>.tiles.json` (schemas/tiles-manifest.schema.json): what a load
 * wrote for a version, written last (after both archives are in place), so its presence
 * means the load completed. Paths are relative to the tiles directory.
 */
export interface TilesManifest {
  kfm_tiles_manifest_version: typeof TILES_MANIFEST_VERSION;
  dataset_slug: string;
  dataset_version_id: string;
  load_digest: Digest;
  minzoom: number;
  maxzoom: number;
  feature_count: number;
  tile_count: number;
  bounds: number[];
  archives: Record<ArchiveFormat, { path: string; digest: Digest; size: number }>;
}

const validate = schemaValidator('tiles-manifest');

export const manifestPath = (dir: string, slug: string, dvid: string) => join(dir, slug, `${dvid}.tiles.json`);
/** A version's own archive, relative to the tiles directory. */
export const versionArchive = (slug: string, dvid: string, format: ArchiveFormat) => `${slug}/${dvid}.${format}`;
/** The dataset's projected archive (what readers open), relative to the tiles directory. */
export const currentArchive = (slug: string, format: ArchiveFormat) => `${slug}.${format}`;

/** The manifest of a version; undefined when there is none. Invalid: a KfmError `store` naming it. */
export function readTilesManifest(dir: string, slug: string, dvid: string): TilesManifest | undefined {
  const path = manifestPath(dir, slug, dvid);
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new KfmError('store', `${path} is not JSON: ${(e as Error).message}`);
  }
  const problems = validate(value);
  if (problems.length > 0) throw new KfmError('store', `${path} is not a ${TILES_MANIFEST_VERSION} tiles manifest: ${problems.join('; ')}`);
  return value as TilesManifest;
}
