// A child of bench/projections.mjs: tiles one version with kfm's TilesTarget (MBTiles +
// PMTiles), so its peak memory is measured alone. argv: <store dir> <version.json> <tiles dir> <maxzoom> [heap MB]
import { readFileSync } from 'node:fs';
import { FileContentStore } from '../dist/store/contentStore.js';
import { TilesTarget } from '../dist/stages/projections/tiles/tilesTarget.js';

const [storeDir, versionFile, dir, maxzoom, heapMb] = process.argv.slice(2);
const version = JSON.parse(readFileSync(versionFile, 'utf8'));
const target = new TilesTarget({ dir, store: new FileContentStore(storeDir), zoom: { minzoom: 0, maxzoom: Number(maxzoom) }, ...(heapMb ? { heapMb: Number(heapMb) } : {}) });
const t0 = performance.now();
const r = await target.load(version, { activate: false });
const manifest = JSON.parse(readFileSync(`${dir}/${version.dataset_slug}/${version.dataset_version_id}.tiles.json`, 'utf8'));
process.stdout.write(JSON.stringify({ ms: performance.now() - t0, status: r.status, tile_count: manifest.tile_count }) + '\n');
