import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalDigest } from '../../../core/canonicalJson.js';
import { hashFileSync } from '../../../core/hashFile.js';
import { KfmError } from '../../../core/error.js';
import type { PolicyLabel } from '../../../core/policyLabel.js';
import { PUBLIC_LABELS, refuseUnaccepted } from '../acceptedLabels.js';
import { loadDigest } from '../loadDigest.js';
import { featureCountOf, type ProjectedVersion } from '../projectedVersion.js';
import { driftReport, type CheckOptions, type DriftReport, type LoadOptions, type LoadResult, type ProjectionTarget, type SwapResult } from '../projectionTarget.js';
import type { FeatureSource } from '../versionFeatures.js';
import type { ContentStore } from '../../../store/contentStore.js';
import { tileArchivesInWorker } from './tileArchivesInWorker.js';
import { replaceWithCopy } from './atomicFile.js';
import { buildTileArchives } from './buildTileArchives.js';
import type { TileOptions } from './generateTiles.js';
import { readPmtilesFacts } from './readArchiveMetadata.js';
import { tilesDrift } from './tilesDrift.js';
import { ARCHIVE_FORMATS, currentArchive, readTilesManifest } from './tilesManifest.js';

export interface TilesTargetOptions {
  /** The tiles directory (e.g. `projections/tiles` under the project). */
  dir: string;
  /** Where artifacts are read from; a local store's descriptor lets the tiler run in a worker thread. */
  store: FeatureSource & Partial<Pick<ContentStore, 'descriptor'>>;
  /**
   * The tiler's heap cap in MB (default 256): tiles are cut in a worker thread with this
   * old-generation limit (a local store only; other stores tile in this thread, uncapped).
   */
  heapMb?: number;
  /** Zoom range (default 0–10; later from the spec) and MVT extent/buffer. */
  zoom?: Partial<TileOptions>;
  accepts?: readonly PolicyLabel[];
  name?: string;
}

/**
 * Vector tiles of each version, as MBTiles and PMTiles v3 archives under `dir`:
 * `<slug>/<dvid>.{mbtiles,pmtiles}` per version, and `<slug>.{mbtiles,pmtiles}`, the
 * dataset's projected archives, which a swap replaces by atomic rename (a reader opening
 * either file gets one version's archive, whole).
 */
export class TilesTarget implements ProjectionTarget {
  readonly name: string;
  readonly accepts: readonly PolicyLabel[];
  readonly dir: string;
  readonly zoom: TileOptions;
  readonly heapMb: number;
  readonly #store: TilesTargetOptions['store'];

  constructor(options: TilesTargetOptions) {
    this.name = options.name ?? 'tiles';
    this.accepts = options.accepts ?? PUBLIC_LABELS;
    this.dir = options.dir;
    this.zoom = { minzoom: 0, maxzoom: 10, ...options.zoom };
    if (!(this.zoom.minzoom >= 0 && this.zoom.minzoom <= this.zoom.maxzoom && this.zoom.maxzoom <= 24)) {
      throw new KfmError('usage', `${this.name}: zoom range ${this.zoom.minzoom}–${this.zoom.maxzoom} is not 0 ≤ minzoom ≤ maxzoom ≤ 24`);
    }
    this.#store = options.store;
    this.heapMb = options.heapMb ?? 256;
  }

  async load(version: ProjectedVersion, options: LoadOptions = {}): Promise<LoadResult> {
    refuseUnaccepted(this, version);
    const { dataset_slug: slug, dataset_version_id: dvid } = version;
    const digest = canonicalDigest({ load: loadDigest(version), zoom: this.zoom });
    const previous = this.#current(slug);
    const held = readTilesManifest(this.dir, slug, dvid);
    const intact = held?.load_digest === digest && tilesDrift(this.dir, version, false).length === 0;
    if (!intact) {
      const descriptor = this.#store.descriptor;
      if (descriptor?.kind === 'local') await tileArchivesInWorker({ dir: this.dir, store: descriptor, version, zoom: this.zoom, loadDigest: digest }, this.heapMb);
      else await buildTileArchives(this.dir, this.#store, version, this.zoom, digest);
    }
    // A projected archive replaced or damaged by hand is copied back: that is a load too.
    const copied = options.activate ?? true ? await this.#swapArchives(slug, dvid) : 0;
    return {
      target: this.name,
      dataset_slug: slug,
      dataset_version_id: dvid,
      status: intact && copied === 0 ? 'unchanged' : 'loaded',
      feature_count: featureCountOf(version),
      previous_version_id: previous,
      current_version_id: this.#current(slug),
    };
  }

  async swap(slug: string, dvid: string): Promise<SwapResult> {
    const from = this.#current(slug);
    await this.#swapArchives(slug, dvid);
    return { target: this.name, dataset_slug: slug, from, to: dvid };
  }

  /** Copies the version's archives over the dataset's projected ones (each renamed into place); the number replaced. */
  async #swapArchives(slug: string, dvid: string): Promise<number> {
    const manifest = readTilesManifest(this.dir, slug, dvid);
    if (!manifest) throw new KfmError('usage', `${this.name}: ${slug}@${dvid} is not loaded: load it before swapping to it`);
    let copied = 0;
    for (const format of ARCHIVE_FORMATS) {
      const current = join(this.dir, currentArchive(slug, format));
      // Already the version's archive: left alone (a swap to the current version writes nothing).
      if (existsSync(current) && hashFileSync(current).digest === manifest.archives[format].digest) continue;
      replaceWithCopy(join(this.dir, manifest.archives[format].path), current);
      copied++;
    }
    return copied;
  }

  async check(version: ProjectedVersion, options: CheckOptions = {}): Promise<DriftReport> {
    return driftReport(this.name, version, tilesDrift(this.dir, version, options.expectCurrent ?? true));
  }

  async close(): Promise<void> {}

  /** The version the dataset's projected PMTiles archive names; null when there is none. */
  #current(slug: string): string | null {
    const path = join(this.dir, currentArchive(slug, 'pmtiles'));
    if (!existsSync(path)) return null;
    try {
      return readPmtilesFacts(path).dataset_version_id;
    } catch {
      return null;
    }
  }
}
