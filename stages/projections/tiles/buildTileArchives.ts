import { mkdirSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import type { Digest } from '../../../core/digest.js';
import { hashFileSync } from '../../../core/hashFile.js';
import { featureCountOf, type ProjectedVersion } from '../projectedVersion.js';
import { PROJECTION_VERSION } from '../projectionVersion.js';
import { artifactFeatures, type FeatureSource } from '../versionFeatures.js';
import { replaceVia, tempBeside, writeFileAtomic } from './atomicFile.js';
import { eachTile, tileIndex, type LayerIndex, type TileOptions } from './generateTiles.js';
import { centerOf, layerFields, WORLD, type TileArchiveMetadata } from './tileArchiveMetadata.js';
import { manifestPath, TILES_MANIFEST_VERSION, versionArchive, type TilesManifest } from './tilesManifest.js';
import { writeMbtiles } from './writeMbtiles.js';
import { TileSpool } from './tileSpool.js';
import { writePmtiles } from './writePmtiles.js';

/**
 * Tiles a version into its own archives under `dir`: `<slug>/<dvid>.mbtiles` and
 * `<slug>/<dvid>.pmtiles`, one MVT layer per feature artifact (named after its file), each
 * archive renamed into place, then the manifest (renamed last: a load killed before it
 * left no manifest, and is simply redone). Memory: each artifact's features are dropped
 * once indexed (geojson-vt keeps its own form), and the encoded tiles go to a spool file
 * beside the archives as they are cut; both archives are then written from it in tile id
 * order, one tile in memory at a time.
 */
export async function buildTileArchives(dir: string, store: FeatureSource, version: ProjectedVersion, zoom: TileOptions, loadDigest: Digest): Promise<TilesManifest> {
  const indexes: LayerIndex[] = [];
  const vectorLayers: TileArchiveMetadata['vector_layers'] = [];
  for (const a of version.artifacts) {
    const layer = { name: basename(a.path, extname(a.path)), features: await artifactFeatures(store, a) };
    vectorLayers.push({ id: layer.name, fields: layerFields(layer.features), minzoom: zoom.minzoom, maxzoom: zoom.maxzoom });
    indexes.push(tileIndex(layer, zoom));
  }
  const { dataset_slug: slug, dataset_version_id: dvid } = version;
  const pm = versionArchive(slug, dvid, 'pmtiles');
  const mb = versionArchive(slug, dvid, 'mbtiles');
  mkdirSync(dirname(join(dir, pm)), { recursive: true });
  const spool = new TileSpool(tempBeside(join(dir, pm)));
  try {
    eachTile(indexes, zoom, (t) => spool.add(t.z, t.x, t.y, t.tileId, t.data));
    indexes.length = 0; // the index is garbage from here on
    const metadata = archiveMetadata(version, zoom, vectorLayers, spool.count);
    replaceVia(join(dir, pm), (tmp) => writePmtiles(tmp, spool, metadata));
    replaceVia(join(dir, mb), (tmp) => writeMbtiles(tmp, spool.inOrder(), metadata));
  } finally {
    spool.dispose();
  }
  const archive = (path: string) => {
    const { digest, size } = hashFileSync(join(dir, path));
    return { path, digest, size };
  };
  const bounds = version.extents.bbox ?? WORLD;
  const manifest: TilesManifest = {
    kfm_tiles_manifest_version: TILES_MANIFEST_VERSION,
    dataset_slug: slug,
    dataset_version_id: dvid,
    load_digest: loadDigest,
    minzoom: zoom.minzoom,
    maxzoom: zoom.maxzoom,
    feature_count: featureCountOf(version),
    tile_count: spool.count,
    bounds,
    archives: { mbtiles: archive(mb), pmtiles: archive(pm) },
  };
  writeFileAtomic(manifestPath(dir, slug, dvid), Buffer.from(JSON.stringify(manifest, null, 2) + '\n'));
  return manifest;
}

/** The archives' metadata (the same in the MBTiles and the PMTiles archive). */
function archiveMetadata(version: ProjectedVersion, zoom: TileOptions, vector_layers: TileArchiveMetadata['vector_layers'], tileCount: number): TileArchiveMetadata {
  const bounds = version.extents.bbox ?? WORLD;
  return {
    name: version.title,
    format: 'pbf',
    type: 'overlay',
    bounds,
    center: centerOf(bounds, zoom.minzoom),
    minzoom: zoom.minzoom,
    maxzoom: zoom.maxzoom,
    vector_layers,
    kfm_projection_version: PROJECTION_VERSION,
    dataset_slug: version.dataset_slug,
    dataset_version_id: version.dataset_version_id,
    spec_hash: version.spec_hash,
    feature_count: featureCountOf(version),
    tile_count: tileCount,
  };
}
