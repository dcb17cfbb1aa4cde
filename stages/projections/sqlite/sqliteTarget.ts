import type Database from 'better-sqlite3';
import { KfmError } from '../../../core/error.js';
import type { PolicyLabel } from '../../../core/policyLabel.js';
import { PUBLIC_LABELS, refuseUnaccepted } from '../acceptedLabels.js';
import { loadDigest } from '../loadDigest.js';
import { observedDrifts } from '../observedDrifts.js';
import type { ProjectedVersion } from '../projectedVersion.js';
import { driftReport, type CheckOptions, type DriftReport, type LoadOptions, type LoadResult, type ProjectionTarget, type SwapResult } from '../projectionTarget.js';
import { versionFeatures, type FeatureSource, type ProjectedFeature } from '../versionFeatures.js';
import { sqliteObserved } from './sqliteObserved.js';
import { deleteVersionRows, ensureDataset, insertVersionRows, pointDatasetAt } from './sqliteRows.js';
import { openSqliteProjection } from './sqliteSchema.js';
import { searchSqlite, type SearchHit } from './searchSqlite.js';

export interface SqliteTargetOptions {
  /** The database file (e.g. `defaultSqlitePath(root)`). */
  path: string;
  /** Where the versions' artifacts are read from, by digest. */
  store: FeatureSource;
  /** The labels it accepts (default: the public ones). */
  accepts?: readonly PolicyLabel[];
  name?: string;
}

/**
 * The embedded projection: one SQLite file (WAL) with the datasets, their versions, the
 * features (R*Tree-indexed) and an FTS5 search index. One transaction per load; a swap is
 * one UPDATE of `datasets.latest_version_id` in its own transaction.
 */
export class SqliteTarget implements ProjectionTarget {
  readonly name: string;
  readonly accepts: readonly PolicyLabel[];
  readonly db: Database.Database;
  readonly #store: FeatureSource;

  constructor(options: SqliteTargetOptions) {
    this.name = options.name ?? 'sqlite';
    this.accepts = options.accepts ?? PUBLIC_LABELS;
    this.#store = options.store;
    this.db = openSqliteProjection(options.path);
  }

  async load(version: ProjectedVersion, options: LoadOptions = {}): Promise<LoadResult> {
    refuseUnaccepted(this, version);
    const activate = options.activate ?? true;
    const { dataset_slug: slug, dataset_version_id: dvid } = version;
    const digest = loadDigest(version);
    const held = this.db.prepare('SELECT load_digest FROM dataset_versions WHERE dataset_slug = ? AND dataset_version_id = ?').get(slug, dvid) as { load_digest: string } | undefined;
    const previous = this.#current(slug);
    let features: ProjectedFeature[] | undefined;
    // A different record, or rows someone removed: load again. The same: touch nothing.
    if (held?.load_digest !== digest || observedDrifts(version, sqliteObserved(this.db, slug, dvid), false).length > 0) {
      features = [];
      for await (const batch of versionFeatures(this.#store, version)) for (const f of batch) features.push(f);
    }
    const rows = features;
    if (!rows && (!activate || previous === dvid)) return this.#result(version, 'unchanged', previous, previous);
    this.db.transaction(() => {
      if (rows) {
        deleteVersionRows(this.db, slug, dvid);
        insertVersionRows(this.db, version, rows, digest);
      }
      if (activate) pointDatasetAt(this.db, version);
      else ensureDataset(this.db, version);
    }).immediate();
    return this.#result(version, rows ? 'loaded' : 'unchanged', previous, this.#current(slug));
  }

  async swap(slug: string, dvid: string): Promise<SwapResult> {
    let from: string | null = null;
    this.db.transaction(() => {
      const v = this.db.prepare('SELECT title, policy_label FROM dataset_versions WHERE dataset_slug = ? AND dataset_version_id = ?').get(slug, dvid) as
        | { title: string; policy_label: PolicyLabel }
        | undefined;
      if (!v) throw new KfmError('usage', `${this.name}: ${slug}@${dvid} is not loaded: load it before swapping to it`);
      from = this.#current(slug);
      pointDatasetAt(this.db, { dataset_slug: slug, dataset_version_id: dvid, title: v.title, policy_label: v.policy_label });
    }).immediate();
    return { target: this.name, dataset_slug: slug, from, to: dvid };
  }

  async check(version: ProjectedVersion, options: CheckOptions = {}): Promise<DriftReport> {
    const seen = sqliteObserved(this.db, version.dataset_slug, version.dataset_version_id);
    return driftReport(this.name, version, observedDrifts(version, seen, options.expectCurrent ?? true));
  }

  /** Full-text search over the datasets' projected versions (FTS5; each term quoted). */
  search(text: string, limit = 20): SearchHit[] {
    return searchSqlite(this.db, text, limit);
  }

  async close(): Promise<void> {
    this.db.close();
  }

  #current(slug: string): string | null {
    const row = this.db.prepare('SELECT latest_version_id AS v FROM datasets WHERE dataset_slug = ?').get(slug) as { v: string | null } | undefined;
    return row?.v ?? null;
  }

  #result(version: ProjectedVersion, status: LoadResult['status'], previous: string | null, current: string | null): LoadResult {
    const n = this.db.prepare('SELECT count(*) AS n FROM features WHERE dataset_slug = ? AND dataset_version_id = ?').get(version.dataset_slug, version.dataset_version_id) as { n: number };
    return { target: this.name, dataset_slug: version.dataset_slug, dataset_version_id: version.dataset_version_id, status, feature_count: n.n, previous_version_id: previous, current_version_id: current };
  }
}
