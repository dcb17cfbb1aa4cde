import { basename, extname, join } from 'node:path';
import type { Digest } from '../../../core/digest.js';
import { hashFileSync } from '../../../core/hashFile.js';
import { featureCountOf, type ProjectedVersion } from '../projectedVersion.js';
import { PROJECTION_VERSION } from '../projectionVersion.js';
import { artifactFeatures, type FeatureSource } from '../versionFeatures.js';
import { replaceVia, writeFileAtomic } from './atomicFile.js';
import { generateTiles, type TileLayer, type TileOptions } from './generateTiles.js';
import { centerOf, layerFields, WORLD, type TileArchiveMetadata } from './tileArchiveMetadata.js';
import { manifestPath, TILES_MANIFEST_VERSION, versionArchive, type TilesManifest } from './tilesManifest.js';
import { writeMbtiles } from './writeMbtiles.js';
import { pmtilesBytes } from './writePmtiles.js';

/**
 * Tiles a version into its own archives under `dir`: `<slug>/<dvid>.mbtiles` and
 * `<slug>/<dvid>.pmtiles`, one MVT layer per feature artifact (named after its file), each
 * archive renamed into place, then the manifest (renamed last: a load killed before it
 * left no manifest, and is simply redone).
 */
export async function buildTileArchives(dir: string, store: FeatureSource, version: ProjectedVersion, zoom: TileOptions, loadDigest: Digest): Promise<TilesManifest> {
  const layers: TileLayer[] = [];
  for (const a of version.artifacts) layers.push({ name: basename(a.path, extname(a.path)), features: await artifactFeatures(store, a) });
  const tiles = generateTiles(layers, zoom);
  const bounds = version.extents.bbox ?? WORLD;
  const metadata: TileArchiveMetadata = {
    name: version.title,
    format: 'pbf',
    type: 'overlay',
    bounds,
    center: centerOf(bounds, zoom.minzoom),
    minzoom: zoom.minzoom,
    maxzoom: zoom.maxzoom,
    vector_layers: layers.map((l) => ({ id: l.name, fields: layerFields(l.features), minzoom: zoom.minzoom, maxzoom: zoom.maxzoom })),
    kfm_projection_version: PROJECTION_VERSION,
    dataset_slug: version.dataset_slug,
    dataset_version_id: version.dataset_version_id,
    spec_hash: version.spec_hash,
    feature_count: featureCountOf(version),
    tile_count: tiles.length,
  };
  const { dataset_slug: slug, dataset_version_id: dvid } = version;
  const pm = versionArchive(slug, dvid, 'pmtiles');
  const mb = versionArchive(slug, dvid, 'mbtiles');
  writeFileAtomic(join(dir, pm), pmtilesBytes(tiles, metadata));
  replaceVia(join(dir, mb), (tmp) => writeMbtiles(tmp, tiles, metadata));
  const archive = (path: string) => {
    const { digest, size } = hashFileSync(join(dir, path));
    return { path, digest, size };
  };
  const manifest: TilesManifest = {
    kfm_tiles_manifest_version: TILES_MANIFEST_VERSION,
    dataset_slug: slug,
    dataset_version_id: dvid,
    load_digest: loadDigest,
    minzoom: zoom.minzoom,
    maxzoom: zoom.maxzoom,
    feature_count: metadata.feature_count,
    tile_count: tiles.length,
    bounds,
    archives: { mbtiles: archive(mb), pmtiles: archive(pm) },
  };
  writeFileAtomic(manifestPath(dir, slug, dvid), Buffer.from(JSON.stringify(manifest, null, 2) + '\n'));
  return manifest;
}
