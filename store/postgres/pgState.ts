import type pg from 'pg';
import type { Digest } from '../../core/digest.js';
import { KfmError } from '../../core/error.js';
import type { StatEntry } from '../../core/fs.js';
import type { Awaitable } from '../awaitable.js';
import type { LocalCaches } from '../state/localCaches.js';
import type { NodeResult, ResultStore } from '../state/resultStore.js';
import type { NodeRunStatus, RunLog, RunNodeRecord, RunRecord } from '../state/runLog.js';
import type { VersionRecord, VersionStore } from '../state/versionStore.js';
import { fromResultRow, fromRunRow, fromVersionRow, versionRowValues, type ResultRow, type RunRow, type VersionRow } from '../state/stateRows.js';
import { PgDatabase, sqlState } from './pgDatabase.js';

const UNIQUE_VIOLATION = '23505';
const FOREIGN_KEY_VIOLATION = '23503';

/**
 * kfm's state in PostgreSQL (`KFM_STATE=postgres://…`): node results by key, the latest
 * result per node, runs and versions, in the kfm_* tables (store/postgres/pgMigrations.ts),
 * shared by every machine that builds the project. The local caches (stat cache, parsed
 * imports) are not shared: they describe one machine's files, so they stay in that
 * machine's SQLite state (`local`, whose own results tables go unused).
 *
 * Every call is a round trip (a Promise); results recorded together are one transaction.
 * Reads return fresh objects (rows parsed each time), so changing one changes nothing stored.
 */
export class PgState implements ResultStore, RunLog, VersionStore, LocalCaches {
  readonly db: PgDatabase;
  readonly #local: LocalCaches & { close(): Awaitable<void> };

  constructor(url: string, local: LocalCaches & { close(): Awaitable<void> }) {
    this.db = new PgDatabase(url);
    this.#local = local;
  }

  async resultByKey(key: Digest): Promise<NodeResult | undefined> {
    const { rows } = await this.db.query<ResultRow>('cannot read a result', 'SELECT * FROM kfm_results WHERE key = $1', [key]);
    return rows[0] && fromResultRow(rows[0]);
  }

  async latestResults(): Promise<Map<string, NodeResult>> {
    const { rows } = await this.db.query<ResultRow>(
      'cannot read the latest results',
      'SELECT r.* FROM kfm_latest l JOIN kfm_results r ON r.key = l.key ORDER BY l.node_id COLLATE "C"',
    );
    return new Map(rows.map((row) => [row.node_id, fromResultRow(row)]));
  }

  async putResult(r: NodeResult): Promise<void> {
    await this.putResults([r]);
  }

  /**
   * One transaction of two statements whatever the group's size (arrays unnested server
   * side): a group of results costs two round trips, not two per result. A key or node that
   * appears twice keeps its later record, as one putResult after another would.
   */
  async putResults(results: readonly NodeResult[]): Promise<void> {
    if (results.length === 0) return;
    const byKey = new Map(results.map((r) => [r.key, r]));
    const latest = new Map(results.map((r) => [r.nodeId, r.key]));
    const rows = [...byKey.values()];
    const column = <T>(f: (r: NodeResult) => T): T[] => rows.map(f);
    await this.db.transaction('cannot record results', async (c) => {
      await c.query(
        `INSERT INTO kfm_results (key, node_id, key_doc, outputs, outputs_digest, meta, run_id, finished_at, duration_ms)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::integer[])
         ON CONFLICT (key) DO UPDATE SET node_id = excluded.node_id, key_doc = excluded.key_doc, outputs = excluded.outputs,
           outputs_digest = excluded.outputs_digest, meta = excluded.meta, run_id = excluded.run_id,
           finished_at = excluded.finished_at, duration_ms = excluded.duration_ms`,
        [
          column((r) => r.key),
          column((r) => r.nodeId),
          column((r) => r.keyDoc),
          column((r) => JSON.stringify(r.outputs)),
          column((r) => r.outputsDigest),
          column((r) => JSON.stringify(r.meta)),
          column((r) => r.runId),
          column((r) => r.finishedAt),
          column((r) => Math.round(r.durationMs)),
        ],
      );
      await c.query(
        `INSERT INTO kfm_latest (node_id, key) SELECT * FROM unnest($1::text[], $2::text[])
         ON CONFLICT (node_id) DO UPDATE SET key = excluded.key`,
        [[...latest.keys()], [...latest.values()]],
      );
    });
  }

  async setLatest(nodeId: string, key: Digest): Promise<void> {
    await this.db.transaction('cannot record the latest result', async (c) => {
      try {
        await setLatest(c, nodeId, key);
      } catch (e) {
        if (sqlState(e) === FOREIGN_KEY_VIOLATION) throw new KfmError('state', `cannot make ${key} the latest result of ${nodeId}: no result is stored under that key`);
        throw e;
      }
    });
  }

  async beginRun(run: { runId: string; startedAt: string; targets: string[]; jobs: number }): Promise<void> {
    try {
      await this.db.query(
        'cannot record a run',
        "INSERT INTO kfm_runs (run_id, started_at, ended_at, targets, jobs, status) VALUES ($1, $2, NULL, $3, $4, 'running')",
        [run.runId, run.startedAt, JSON.stringify(run.targets), run.jobs],
      );
    } catch (e) {
      if (sqlState(e) === UNIQUE_VIOLATION) throw new KfmError('state', `run ${run.runId} is already recorded`);
      throw e;
    }
  }

  async closeAbandonedRuns(endedAt: string): Promise<number> {
    const r = await this.db.query('cannot close abandoned runs', "UPDATE kfm_runs SET status = 'interrupted', ended_at = $1 WHERE status = 'running'", [endedAt]);
    return r.rowCount ?? 0;
  }

  async endRun(runId: string, endedAt: string, status: RunRecord['status'], nodes: readonly RunNodeRecord[]): Promise<void> {
    await this.db.transaction('cannot end a run', async (c) => {
      const ended = await c.query('UPDATE kfm_runs SET ended_at = $1, status = $2 WHERE run_id = $3', [endedAt, status, runId]);
      if (ended.rowCount === 0) throw new KfmError('state', `cannot end run ${runId}: it was never begun`);
      for (const n of nodes) {
        await c.query(
          `INSERT INTO kfm_run_nodes (run_id, node_id, status, key, error) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (run_id, node_id) DO UPDATE SET status = excluded.status, key = excluded.key, error = excluded.error`,
          [runId, n.nodeId, n.status, n.key, n.error],
        );
      }
    });
  }

  async runs(limit = 20): Promise<RunRecord[]> {
    const { rows } = await this.db.query<RunRow>('cannot read runs', 'SELECT * FROM kfm_runs ORDER BY started_at COLLATE "C" DESC, ord DESC LIMIT $1', [limit]);
    return rows.map(fromRunRow);
  }

  async runNodes(runId: string): Promise<RunNodeRecord[]> {
    const { rows } = await this.db.query<{ node_id: string; status: NodeRunStatus; key: string | null; error: string | null }>(
      'cannot read a run',
      'SELECT node_id, status, key, error FROM kfm_run_nodes WHERE run_id = $1 ORDER BY node_id COLLATE "C"',
      [runId],
    );
    return rows.map((r) => ({ nodeId: r.node_id, status: r.status, key: r.key, error: r.error }));
  }

  async version(slug: string, dvid: string): Promise<VersionRecord | undefined> {
    const { rows } = await this.db.query<VersionRow>('cannot read a version', 'SELECT * FROM kfm_versions WHERE dataset_slug = $1 AND dataset_version_id = $2', [slug, dvid]);
    return rows[0] && fromVersionRow(rows[0]);
  }

  async versionsOfSlice(slug: string, slice: string): Promise<VersionRecord[]> {
    const { rows } = await this.db.query<VersionRow>(
      'cannot read versions',
      'SELECT * FROM kfm_versions WHERE dataset_slug = $1 AND slice = $2 ORDER BY created_at COLLATE "C", ord',
      [slug, slice],
    );
    return rows.map(fromVersionRow);
  }

  async versionsFor(slug: string, slice: string, specHash: string): Promise<VersionRecord[]> {
    const { rows } = await this.db.query<VersionRow>(
      'cannot read versions',
      'SELECT * FROM kfm_versions WHERE dataset_slug = $1 AND slice = $2 AND spec_hash = $3 ORDER BY created_at COLLATE "C", ord',
      [slug, slice, specHash],
    );
    return rows.map(fromVersionRow);
  }

  async putVersion(v: VersionRecord): Promise<void> {
    try {
      await this.db.query(
        'cannot record a version',
        `INSERT INTO kfm_versions (dataset_version_id, dataset_slug, slice, spec_hash, inputs_digest, outputs_digest, run_id, created_at,
           spec_document, task_code, raw_inputs, mode, mode_reason, failed_checks)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
        versionRowValues(v),
      );
    } catch (e) {
      if (sqlState(e) === UNIQUE_VIOLATION) {
        throw new KfmError('state', `version ${v.datasetVersionId} of ${v.datasetSlug} is already recorded: a version is written once`);
      }
      throw e;
    }
  }

  // The local caches: this machine's SQLite.
  statCache(): Map<string, StatEntry> {
    return this.#local.statCache();
  }
  putStatEntries(entries: readonly StatEntry[]): void {
    this.#local.putStatEntries(entries);
  }
  moduleImports(): Map<Digest, string[]> {
    return this.#local.moduleImports();
  }
  putModuleImports(entries: readonly [Digest, string[]][]): void {
    this.#local.putModuleImports(entries);
  }
  clearLocalCaches(): { statEntries: number; moduleImports: number } {
    return this.#local.clearLocalCaches();
  }

  async close(): Promise<void> {
    try {
      await this.db.end();
    } finally {
      await this.#local.close();
    }
  }
}

async function setLatest(c: pg.PoolClient, nodeId: string, key: Digest): Promise<void> {
  await c.query('INSERT INTO kfm_latest (node_id, key) VALUES ($1, $2) ON CONFLICT (node_id) DO UPDATE SET key = excluded.key', [nodeId, key]);
}




