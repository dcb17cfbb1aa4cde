import type { Awaitable } from '../awaitable.js';

export type NodeRunStatus = 'executed' | 'cached' | 'failed' | 'skipped';

export interface RunRecord {
  runId: string;
  startedAt: string;
  endedAt: string | null;
  targets: string[];
  jobs: number;
  status: 'running' | 'succeeded' | 'failed' | 'interrupted';
}

/** What a run did with one node. */
export interface RunNodeRecord {
  nodeId: string;
  status: NodeRunStatus;
  key: string | null;
  error: string | null;
}

/**
 * The runs kfm started and how each ended, with what it did per node. Implemented by the
 * SQLite State, MemoryRunLog, and later PostgreSQL: every method is awaited (Awaitable,
 * see store/awaitable.ts). Writes happen twice per build (begin, end), so a round trip
 * each costs nothing that matters.
 */
export interface RunLog {
  /** Records a run as `running`. A run id already recorded: a KfmError `state`. */
  beginRun(run: { runId: string; startedAt: string; targets: string[]; jobs: number }): Awaitable<void>;
  /**
   * Ends a run with its status and its nodes (a node recorded twice keeps the later
   * record), atomically. A run never begun: a KfmError `state`, nothing recorded.
   */
  endRun(runId: string, endedAt: string, status: RunRecord['status'], nodes: readonly RunNodeRecord[]): Awaitable<void>;
  /**
   * Marks runs still `running` as `interrupted` (a killed kfm never ended them). Call only
   * while holding the project lock: no run can really be running then. Returns how many.
   */
  closeAbandonedRuns(endedAt: string): Awaitable<number>;
  /** The newest runs first (by startedAt, then the later recorded), at most `limit` (default 20). */
  runs(limit?: number): Awaitable<RunRecord[]>;
  /** A run's node records, in code-point order of node id (none for an unknown run). */
  runNodes(runId: string): Awaitable<RunNodeRecord[]>;
}
