import pg from 'pg';
import { KfmError } from '../../../core/error.js';
import type { PolicyLabel } from '../../../core/policyLabel.js';
import { PUBLIC_LABELS, refuseUnaccepted } from '../acceptedLabels.js';
import { loadDigest } from '../loadDigest.js';
import { observedDrifts } from '../observedDrifts.js';
import type { ProjectedVersion } from '../projectedVersion.js';
import { driftReport, type CheckOptions, type DriftReport, type LoadOptions, type LoadResult, type ProjectionTarget, type SwapResult } from '../projectionTarget.js';
import { featureBatches } from '../featureBatches.js';
import type { FeatureSource } from '../versionFeatures.js';
import { postgisObserved } from './postgisObserved.js';
import { deleteVersionRows, ensureDataset, insertVersionRows, pointDatasetAt, type ArtifactRows } from './postgisRows.js';
import { ensurePostgisSchema } from './postgisSchema.js';
import { postgresUrl } from './postgresUrl.js';

export interface PostgisTargetOptions {
  /** A postgres:// URL (default: KFM_POSTGRES_URL). */
  url?: string;
  /** The schema kfm's tables live in (default `kfm`). */
  schema?: string;
  store: FeatureSource;
  accepts?: readonly PolicyLabel[];
  name?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * The PostGIS projection: the SQLite projection's tables with geometry columns, filled
 * with COPY inside one transaction per load; a swap is one UPDATE in its own transaction,
 * so a reader (any isolation level: each statement reads one snapshot) sees one version.
 */
export class PostgisTarget implements ProjectionTarget {
  readonly name: string;
  readonly accepts: readonly PolicyLabel[];
  readonly schema: string;
  readonly #url: string;
  readonly #store: FeatureSource;
  #client: pg.Client | undefined;

  constructor(options: PostgisTargetOptions) {
    this.name = options.name ?? 'postgis';
    this.accepts = options.accepts ?? PUBLIC_LABELS;
    this.schema = options.schema ?? 'kfm';
    this.#url = options.url ?? postgresUrl(options.env ?? process.env);
    this.#store = options.store;
  }

  /** The connection (opened, and the schema created, on first use). */
  async client(): Promise<pg.Client> {
    if (this.#client) return this.#client;
    const client = new pg.Client({ connectionString: this.#url });
    try {
      await client.connect();
    } catch (e) {
      throw new KfmError('state', `${this.name}: cannot connect to PostgreSQL (${(e as Error).message})`);
    }
    await ensurePostgisSchema(client, this.schema);
    this.#client = client;
    return client;
  }

  async load(version: ProjectedVersion, options: LoadOptions = {}): Promise<LoadResult> {
    refuseUnaccepted(this, version);
    const activate = options.activate ?? true;
    const c = await this.client();
    const s = this.schema;
    const { dataset_slug: slug, dataset_version_id: dvid } = version;
    const digest = loadDigest(version);
    const held = (await c.query<{ load_digest: string }>(`SELECT load_digest FROM ${s}.dataset_versions WHERE dataset_slug = $1 AND dataset_version_id = $2`, [slug, dvid])).rows[0];
    const previous = await this.#current(c, slug);
    let rows: ArtifactRows[] | undefined;
    if (held?.load_digest !== digest || observedDrifts(version, await postgisObserved(c, s, slug, dvid), false).length > 0) {
      rows = [];
      for (const a of version.artifacts) rows.push({ digest: a.digest, ...(await featureBatches(this.#store, a)) });
    }
    if (!rows && (!activate || previous === dvid)) return this.#result(version, 'unchanged', previous, previous, c);
    let copied: number | undefined;
    await this.#transaction(c, slug, async () => {
      if (rows) {
        await deleteVersionRows(c, s, slug, dvid);
        copied = await insertVersionRows(c, s, version, rows, digest);
      }
      if (activate) await pointDatasetAt(c, s, version);
      else await ensureDataset(c, s, version);
    });
    // A committed load's count is its COPYs' (the partition holds nothing else); no scan after.
    return this.#result(version, rows ? 'loaded' : 'unchanged', previous, await this.#current(c, slug), c, copied);
  }

  async swap(slug: string, dvid: string): Promise<SwapResult> {
    const c = await this.client();
    const s = this.schema;
    let from: string | null = null;
    await this.#transaction(c, slug, async () => {
      const v = (await c.query<{ title: string; policy_label: PolicyLabel }>(`SELECT title, policy_label FROM ${s}.dataset_versions WHERE dataset_slug = $1 AND dataset_version_id = $2 FOR SHARE`, [slug, dvid])).rows[0];
      if (!v) throw new KfmError('usage', `${this.name}: ${slug}@${dvid} is not loaded: load it before swapping to it`);
      from = (await c.query<{ v: string | null }>(`SELECT latest_version_id AS v FROM ${s}.datasets WHERE dataset_slug = $1 FOR UPDATE`, [slug])).rows[0]?.v ?? null;
      await pointDatasetAt(c, s, { dataset_slug: slug, dataset_version_id: dvid, title: v.title, policy_label: v.policy_label });
    });
    return { target: this.name, dataset_slug: slug, from, to: dvid };
  }

  async check(version: ProjectedVersion, options: CheckOptions = {}): Promise<DriftReport> {
    const seen = await postgisObserved(await this.client(), this.schema, version.dataset_slug, version.dataset_version_id);
    return driftReport(this.name, version, observedDrifts(version, seen, options.expectCurrent ?? true));
  }

  async close(): Promise<void> {
    await this.#client?.end();
    this.#client = undefined;
  }

  /**
   * Runs body in one transaction, serialized with every other kfm writer of this schema's
   * dataset (a transaction-level advisory lock). A database error rolls back and becomes a
   * KfmError `state` naming the target.
   */
  async #transaction(c: pg.Client, slug: string, body: () => Promise<void>): Promise<void> {
    await c.query('BEGIN');
    try {
      await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`kfm_projection:${this.schema}:${slug}`]);
      await body();
      await c.query('COMMIT');
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      if (e instanceof KfmError) throw e;
      throw new KfmError('state', `${this.name}: ${(e as Error).message}`);
    }
  }

  async #current(c: pg.Client, slug: string): Promise<string | null> {
    return (await c.query<{ v: string | null }>(`SELECT latest_version_id AS v FROM ${this.schema}.datasets WHERE dataset_slug = $1`, [slug])).rows[0]?.v ?? null;
  }

  async #result(version: ProjectedVersion, status: LoadResult['status'], previous: string | null, current: string | null, c: pg.Client, copied?: number): Promise<LoadResult> {
    const count = async () =>
      (await c.query<{ n: string }>(`SELECT count(*) AS n FROM ${this.schema}.features WHERE dataset_slug = $1 AND dataset_version_id = $2`, [version.dataset_slug, version.dataset_version_id])).rows[0]!.n;
    const featureCount = copied ?? Number(await count());
    return { target: this.name, dataset_slug: version.dataset_slug, dataset_version_id: version.dataset_version_id, status, feature_count: featureCount, previous_version_id: previous, current_version_id: current };
  }
}
