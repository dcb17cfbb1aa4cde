import Database from 'better-sqlite3';
import type { Digest } from '../core/digest.js';
import { KfmError } from '../core/error.js';
import type { StatEntry } from '../core/fs.js';
import type { LocalCaches } from './state/localCaches.js';
import type { NodeResult, ResultStore } from './state/resultStore.js';
import type { NodeRunStatus, RunLog, RunNodeRecord, RunRecord } from './state/runLog.js';
import type { VersionRecord, VersionStore } from './state/versionStore.js';
import { fromResultRow, fromRunRow, fromVersionRow, versionRowValues, type ResultRow, type RunRow, type VersionRow } from './state/stateRows.js';

// The records' home is store/state/*; importing them from here keeps working.
export type { LocalCaches } from './state/localCaches.js';
export type { NodeResult, ResultStore } from './state/resultStore.js';
export type { NodeRunStatus, RunLog, RunNodeRecord, RunRecord } from './state/runLog.js';
export type { VersionRecord, VersionStore } from './state/versionStore.js';

/** The state schema version this kfm writes. Older databases migrate forward on open. */
export const STATE_SCHEMA_VERSION = 3;

const MIGRATIONS: ((db: Database.Database) => void)[] = [
  // 0 → 1
  (db) =>
    db.exec(`
      CREATE TABLE results (
        key TEXT PRIMARY KEY,
        node_id TEXT NOT NULL,
        key_doc TEXT NOT NULL,
        outputs TEXT NOT NULL,
        outputs_digest TEXT NOT NULL,
        meta TEXT NOT NULL,
        run_id TEXT NOT NULL,
        finished_at TEXT NOT NULL,
        duration_ms INTEGER NOT NULL
      );
      CREATE TABLE latest (node_id TEXT PRIMARY KEY, key TEXT NOT NULL REFERENCES results(key));
      CREATE TABLE runs (
        run_id TEXT PRIMARY KEY,
        started_at TEXT NOT NULL,
        ended_at TEXT,
        targets TEXT NOT NULL,
        jobs INTEGER NOT NULL,
        status TEXT NOT NULL
      );
      CREATE TABLE run_nodes (
        run_id TEXT NOT NULL,
        node_id TEXT NOT NULL,
        status TEXT NOT NULL,
        key TEXT,
        error TEXT,
        PRIMARY KEY (run_id, node_id)
      );
      CREATE TABLE stat_cache (
        path TEXT PRIMARY KEY,
        dev INTEGER NOT NULL,
        ino INTEGER NOT NULL,
        size INTEGER NOT NULL,
        mtime_ms REAL NOT NULL,
        ctime_ms REAL NOT NULL,
        digest TEXT NOT NULL,
        hashed_at REAL NOT NULL
      );
      CREATE TABLE module_imports (digest TEXT PRIMARY KEY, imports TEXT NOT NULL);
      CREATE TABLE versions (
        dataset_version_id TEXT NOT NULL,
        dataset_slug TEXT NOT NULL,
        slice TEXT NOT NULL,
        spec_hash TEXT NOT NULL,
        inputs_digest TEXT NOT NULL,
        outputs_digest TEXT NOT NULL,
        run_id TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (dataset_slug, dataset_version_id)
      );
    `),
  // 1 → 2: what each version was built from (the spec-hash document, its task code files and
  // its raw inputs) and the rerun mode that created it, so the next build can say what
  // changed. Versions recorded by schema 1 keep NULLs there.
  (db) =>
    db.exec(`
      ALTER TABLE versions ADD COLUMN spec_document TEXT;
      ALTER TABLE versions ADD COLUMN task_code TEXT;
      ALTER TABLE versions ADD COLUMN raw_inputs TEXT;
      ALTER TABLE versions ADD COLUMN mode TEXT;
      ALTER TABLE versions ADD COLUMN mode_reason TEXT;
    `),
  // 2 → 3: a quarantined version's failed QA checks (JSON); NULL when its QA did not fail.
  (db) => db.exec('ALTER TABLE versions ADD COLUMN failed_checks TEXT;'),
];

/**
 * kfm's state in SQLite (WAL): node results by key, the latest result per node, runs,
 * versions, the stat cache and parsed module imports. `PRAGMA user_version` is the schema
 * version. It implements the four state seams (ResultStore, RunLog, VersionStore,
 * LocalCaches); its methods answer synchronously, which is the local fast path today's
 * callers use (and which satisfies the seams' Awaitable results).
 *
 * Open it with `State.open(path)`: opening migrates the schema forward, as an explicit step.
 */
export class State implements ResultStore, RunLog, VersionStore, LocalCaches {
  readonly db: Database.Database;
  readonly path: string;

  /** Connects without migrating: `State.open` is the way in. */
  private constructor(path: string) {
    this.path = path;
    try {
      this.db = new Database(path);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma('busy_timeout = 10000');
      this.db.pragma('foreign_keys = ON');
    } catch (e) {
      throw new KfmError('state', `cannot open state database ${path}: ${(e as Error).message}`);
    }
  }

  /**
   * Opens the state database at `path` (`:memory:` for a private one), creating it or
   * migrating it forward to STATE_SCHEMA_VERSION. A newer schema is a KfmError `state`,
   * and the file is left alone.
   */
  static open(path: string): State {
    const state = new State(path);
    try {
      state.#migrate();
    } catch (e) {
      state.db.close();
      throw e;
    }
    return state;
  }

  #migrate(): void {
    let version: number;
    try {
      version = this.db.pragma('user_version', { simple: true }) as number;
    } catch (e) {
      throw new KfmError('state', `state database ${this.path} is unreadable: ${(e as Error).message}`);
    }
    if (version > STATE_SCHEMA_VERSION) {
      throw new KfmError(
        'state',
        `state database ${this.path} has schema version ${version}, newer than this kfm supports (${STATE_SCHEMA_VERSION}); upgrade kfm`,
      );
    }
    if (version === STATE_SCHEMA_VERSION) return;
    // Another process may have migrated between the read above and taking the write lock
    // (two commands started at once on a fresh project): read the version again under it.
    this.db.transaction(() => {
      for (let v = this.db.pragma('user_version', { simple: true }) as number; v < STATE_SCHEMA_VERSION; v++) {
        MIGRATIONS[v]!(this.db);
        this.db.pragma(`user_version = ${v + 1}`);
      }
    }).immediate();
  }

  get schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  /** The result stored under a key (a cache hit), if any. */
  resultByKey(key: Digest): NodeResult | undefined {
    const row = (this.#stmts.byKey ??= this.db.prepare('SELECT * FROM results WHERE key = ?')).get(key) as ResultRow | undefined;
    return row && fromResultRow(row);
  }

  /** Every node's latest successful result, in one read (by node id). */
  latestResults(): Map<string, NodeResult> {
    const rows = this.db
      .prepare('SELECT r.* FROM latest l JOIN results r ON r.key = l.key ORDER BY l.node_id')
      .all() as ResultRow[];
    const map = new Map<string, NodeResult>();
    for (const row of rows) map.set(row.node_id, fromResultRow(row));
    return map;
  }

  /** Stores a result and makes it its node's latest. */
  putResult(r: NodeResult): void {
    this.#putResult.run({
      key: r.key,
      node_id: r.nodeId,
      key_doc: r.keyDoc,
      outputs: JSON.stringify(r.outputs),
      outputs_digest: r.outputsDigest,
      meta: JSON.stringify(r.meta),
      run_id: r.runId,
      finished_at: r.finishedAt,
      duration_ms: Math.round(r.durationMs),
    });
    this.#setLatest.run(r.nodeId, r.key);
  }

  /** Stores results in one transaction. */
  putResults(results: readonly NodeResult[]): void {
    this.db.transaction(() => {
      for (const r of results) this.putResult(r);
    })();
  }

  /** Marks an existing result as its node's latest (a cache hit on an older key). */
  setLatest(nodeId: string, key: Digest): void {
    try {
      this.#setLatest.run(nodeId, key);
    } catch (e) {
      if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
        throw new KfmError('state', `cannot make ${key} the latest result of ${nodeId}: no result is stored under that key`);
      }
      throw e;
    }
  }

  beginRun(run: { runId: string; startedAt: string; targets: string[]; jobs: number }): void {
    try {
      this.db
        .prepare('INSERT INTO runs (run_id, started_at, ended_at, targets, jobs, status) VALUES (?, ?, NULL, ?, ?, ?)')
        .run(run.runId, run.startedAt, JSON.stringify(run.targets), run.jobs, 'running');
    } catch (e) {
      if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw new KfmError('state', `run ${run.runId} is already recorded`);
      throw e;
    }
  }

  /**
   * Marks runs still `running` as `interrupted` (a killed kfm never ended them). Call only
   * while holding the project lock: no run can really be running then. Returns how many.
   */
  closeAbandonedRuns(endedAt: string): number {
    return this.db.prepare("UPDATE runs SET status = 'interrupted', ended_at = ? WHERE status = 'running'").run(endedAt).changes;
  }

  endRun(runId: string, endedAt: string, status: RunRecord['status'], nodes: readonly RunNodeRecord[]): void {
    const insert = this.db.prepare(
      'INSERT OR REPLACE INTO run_nodes (run_id, node_id, status, key, error) VALUES (?, ?, ?, ?, ?)',
    );
    this.db.transaction(() => {
      const ended = this.db.prepare('UPDATE runs SET ended_at = ?, status = ? WHERE run_id = ?').run(endedAt, status, runId);
      if (ended.changes === 0) throw new KfmError('state', `cannot end run ${runId}: it was never begun`);
      for (const n of nodes) insert.run(runId, n.nodeId, n.status, n.key, n.error);
    })();
  }

  runs(limit = 20): RunRecord[] {
    return (this.db.prepare('SELECT * FROM runs ORDER BY started_at DESC, rowid DESC LIMIT ?').all(limit) as RunRow[]).map(fromRunRow);
  }


  runNodes(runId: string): RunNodeRecord[] {
    return (
      this.db.prepare('SELECT node_id, status, key, error FROM run_nodes WHERE run_id = ? ORDER BY node_id').all(runId) as {
        node_id: string;
        status: NodeRunStatus;
        key: string | null;
        error: string | null;
      }[]
    ).map((r) => ({ nodeId: r.node_id, status: r.status, key: r.key, error: r.error }));
  }

  statCache(): Map<string, StatEntry> {
    const rows = this.db.prepare('SELECT * FROM stat_cache').all() as {
      path: string;
      dev: number;
      ino: number;
      size: number;
      mtime_ms: number;
      ctime_ms: number;
      digest: Digest;
      hashed_at: number;
    }[];
    const map = new Map<string, StatEntry>();
    for (const r of rows) {
      map.set(r.path, {
        path: r.path,
        dev: r.dev,
        ino: r.ino,
        size: r.size,
        mtimeMs: r.mtime_ms,
        ctimeMs: r.ctime_ms,
        digest: r.digest,
        hashedAt: r.hashed_at,
      });
    }
    return map;
  }

  putStatEntries(entries: readonly StatEntry[]): void {
    if (entries.length === 0) return;
    const stmt = this.db.prepare(
      'INSERT OR REPLACE INTO stat_cache (path, dev, ino, size, mtime_ms, ctime_ms, digest, hashed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.db.transaction(() => {
      for (const e of entries) stmt.run(e.path, e.dev, e.ino, e.size, e.mtimeMs, e.ctimeMs, e.digest, e.hashedAt);
    })();
  }

  moduleImports(): Map<Digest, string[]> {
    const rows = this.db.prepare('SELECT digest, imports FROM module_imports').all() as { digest: Digest; imports: string }[];
    return new Map(rows.map((r) => [r.digest, JSON.parse(r.imports) as string[]]));
  }

  putModuleImports(entries: readonly [Digest, string[]][]): void {
    if (entries.length === 0) return;
    const stmt = this.db.prepare('INSERT OR REPLACE INTO module_imports (digest, imports) VALUES (?, ?)');
    this.db.transaction(() => {
      for (const [d, imports] of entries) stmt.run(d, JSON.stringify(imports));
    })();
  }

  clearLocalCaches(): { statEntries: number; moduleImports: number } {
    return this.db.transaction(() => ({
      statEntries: this.db.prepare('DELETE FROM stat_cache').run().changes,
      moduleImports: this.db.prepare('DELETE FROM module_imports').run().changes,
    }))();
  }

  /** Versions recorded for a slug, slice and spec_hash (oldest first). */
  versionsFor(slug: string, slice: string, specHash: string): VersionRecord[] {
    return (
      this.db
        .prepare('SELECT * FROM versions WHERE dataset_slug = ? AND slice = ? AND spec_hash = ? ORDER BY created_at, rowid')
        .all(slug, slice, specHash) as VersionRow[]
    ).map(fromVersionRow);
  }

  /** Every version of a slug's slice (oldest first): the last is the slice's latest. */
  versionsOfSlice(slug: string, slice: string): VersionRecord[] {
    return (
      this.db
        .prepare('SELECT * FROM versions WHERE dataset_slug = ? AND slice = ? ORDER BY created_at, rowid')
        .all(slug, slice) as VersionRow[]
    ).map(fromVersionRow);
  }

  version(slug: string, dvid: string): VersionRecord | undefined {
    const row = this.db
      .prepare('SELECT * FROM versions WHERE dataset_slug = ? AND dataset_version_id = ?')
      .get(slug, dvid) as VersionRow | undefined;
    return row && fromVersionRow(row);
  }

  /** Records a new version. A version is never updated: a second record of a dvid fails. */
  putVersion(v: VersionRecord): void {
    try {
      this.db
        .prepare(
          `INSERT INTO versions (dataset_version_id, dataset_slug, slice, spec_hash, inputs_digest, outputs_digest, run_id, created_at,
             spec_document, task_code, raw_inputs, mode, mode_reason, failed_checks)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(...versionRowValues(v));
    } catch (e) {
      if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
        throw new KfmError('state', `version ${v.datasetVersionId} of ${v.datasetSlug} is already recorded: a version is written once`);
      }
      throw e;
    }
  }

  close(): void {
    this.db.close();
  }

  get #putResult() {
    return (this.#stmts.putResult ??= this.db.prepare(
      `INSERT OR REPLACE INTO results (key, node_id, key_doc, outputs, outputs_digest, meta, run_id, finished_at, duration_ms)
       VALUES (@key, @node_id, @key_doc, @outputs, @outputs_digest, @meta, @run_id, @finished_at, @duration_ms)`,
    ));
  }

  get #setLatest() {
    return (this.#stmts.setLatest ??= this.db.prepare(
      'INSERT INTO latest (node_id, key) VALUES (?, ?) ON CONFLICT(node_id) DO UPDATE SET key = excluded.key',
    ));
  }

  readonly #stmts: { putResult?: Database.Statement; setLatest?: Database.Statement; byKey?: Database.Statement } = {};
}

