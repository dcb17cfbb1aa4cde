import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { KfmError } from '../../core/error.js';
import type { NodeRunStatus, RunNodeRecord, RunRecord } from './runLog.js';
import { fromRunRow, type RunRow } from './stateRows.js';

/** A run with what it recorded per node (none while it runs: a build records its nodes when it ends). */
export interface RunWithNodes extends RunRecord {
  nodes: RunNodeRecord[];
}

/** What a reader needs of a version's state record: the rerun mode that created it, and why. */
export interface VersionModeRecord {
  datasetSlug: string;
  datasetVersionId: string;
  mode: string | null;
  modeReason: string | null;
  runId: string;
}

/**
 * `.kfm/state.db` opened read-only (`kfm serve`): no migration, no write, no lock. The
 * database is in WAL mode, so a reader sees the last committed transaction while a build
 * writes. A database this kfm cannot read is a KfmError `state`.
 */
export class ReadOnlyState {
  readonly #db: Database.Database;

  private constructor(db: Database.Database) {
    this.#db = db;
  }

  /** Undefined when the project has no state yet (a fresh clone). */
  static open(path: string): ReadOnlyState | undefined {
    if (!existsSync(path)) return undefined;
    try {
      const db = new Database(path, { readonly: true, fileMustExist: true });
      db.pragma('busy_timeout = 5000');
      return new ReadOnlyState(db);
    } catch (e) {
      throw new KfmError('state', `cannot open state database ${path} read-only: ${(e as Error).message}`);
    }
  }

  /** The newest runs first, at most `limit`, each with its node records. */
  recentRuns(limit: number): RunWithNodes[] {
    const read = this.#db.transaction(() => {
      const rows = this.#db.prepare('SELECT * FROM runs ORDER BY started_at DESC, rowid DESC LIMIT ?').all(limit) as RunRow[];
      const nodes = this.#db.prepare('SELECT node_id, status, key, error FROM run_nodes WHERE run_id = ? ORDER BY node_id');
      return rows.map((r) => ({
        ...fromRunRow(r),
        nodes: (nodes.all(r.run_id) as NodeRow[]).map((n) => ({ nodeId: n.node_id, status: n.status, key: n.key, error: n.error })),
      }));
    });
    return read();
  }

  /** Every version's mode and mode reason (a schema-1 record has none). */
  versionModes(): VersionModeRecord[] {
    const columns = new Set((this.#db.prepare("SELECT name FROM pragma_table_info('versions')").all() as { name: string }[]).map((c) => c.name));
    const mode = columns.has('mode') ? 'mode, mode_reason' : 'NULL AS mode, NULL AS mode_reason';
    return (this.#db.prepare(`SELECT dataset_slug, dataset_version_id, run_id, ${mode} FROM versions ORDER BY dataset_slug, created_at`).all() as VersionRow[]).map((r) => ({
      datasetSlug: r.dataset_slug,
      datasetVersionId: r.dataset_version_id,
      mode: r.mode,
      modeReason: r.mode_reason,
      runId: r.run_id,
    }));
  }

  close(): void {
    this.#db.close();
  }
}


interface NodeRow {
  node_id: string;
  status: NodeRunStatus;
  key: string | null;
  error: string | null;
}

interface VersionRow {
  dataset_slug: string;
  dataset_version_id: string;
  run_id: string;
  mode: string | null;
  mode_reason: string | null;
}
