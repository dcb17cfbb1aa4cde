/**
 * The tiler's worker thread (tileArchivesInWorker.ts): builds a version's tile archives
 * with its heap capped by the thread's resourceLimits, and posts the manifest back.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Digest } from '../../../core/digest.js';
import { KfmError, type KfmErrorCode } from '../../../core/error.js';
import type { StoreDescriptor } from '../../../store/contentStore.js';
import { openStore } from '../../../store/openStore.js';
import type { ProjectedVersion } from '../projectedVersion.js';
import { buildTileArchives } from './buildTileArchives.js';
import type { TileOptions } from './generateTiles.js';
import type { TilesManifest } from './tilesManifest.js';

/** What the worker is started with (structured-cloneable). */
export interface TileJob {
  dir: string;
  store: StoreDescriptor;
  version: ProjectedVersion;
  zoom: TileOptions;
  loadDigest: Digest;
}

/** What the worker posts: the manifest, or the error (a KfmError's code and message survive the thread boundary this way). */
export type TileResult = { manifest: TilesManifest } | { error: { code: KfmErrorCode | null; message: string } };

const job = workerData as TileJob;
let result: TileResult;
try {
  result = { manifest: await buildTileArchives(job.dir, openStore(job.store), job.version, job.zoom, job.loadDigest) };
} catch (e) {
  result = { error: { code: e instanceof KfmError ? e.code : null, message: (e as Error).message } };
}
parentPort!.postMessage(result);
