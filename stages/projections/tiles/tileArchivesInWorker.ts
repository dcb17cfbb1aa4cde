import { Worker } from 'node:worker_threads';
import { distUrl } from '../../../core/distUrl.js';
import { KfmError } from '../../../core/error.js';
import type { TilesManifest } from './tilesManifest.js';
import type { TileJob, TileResult } from './tileWorker.js';

/**
 * The tiler's young generation (MB): encoding allocates fast and keeps little, so a small
 * nursery is collected often instead of growing (tiling the 135,233 world places peaked at
 * ~290 MB with V8's default, ~245 MB with 8).
 */
const YOUNG_GENERATION_MB = 8;

/**
 * Runs buildTileArchives in a worker thread whose old-generation heap is capped at
 * `heapMb`: V8 collects the tiler's garbage at the cap instead of letting it grow (without
 * one, tiling the 135,233 world places once peaked at ~700 MB). Running out of
 * the cap is a KfmError `state` naming it; nothing is half-written (archives are renamed
 * into place, the manifest last).
 */
export function tileArchivesInWorker(job: TileJob, heapMb: number): Promise<TilesManifest> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(distUrl('stages/projections/tiles/tileWorker.js'), { workerData: job, resourceLimits: { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } });
    const id = `${job.version.dataset_slug}@${job.version.dataset_version_id}`;
    let result: TileResult | undefined;
    worker.on('message', (m: TileResult) => (result = m));
    worker.on('error', (e: Error & { code?: string }) => {
      if (e.code === 'ERR_WORKER_OUT_OF_MEMORY') reject(new KfmError('state', `tiling ${id} ran out of its ${heapMb} MB heap: raise the tiles target's heapMb`));
      else reject(new KfmError('state', `tiling ${id} failed: ${e.message}`));
    });
    worker.on('exit', (code) => {
      if (result && 'manifest' in result) resolve(result.manifest);
      else if (result) reject(new KfmError(result.error.code ?? 'state', result.error.message));
      else reject(new KfmError('state', `the tiling worker for ${id} exited with code ${code}`));
    });
  });
}
