import { compareCodePoints } from '../../core/compareCodePoints.js';
import { KfmError } from '../../core/error.js';
import type { RunLog, RunNodeRecord, RunRecord } from '../state/runLog.js';

const copy = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

/** The RunLog fake: runs in recording order, answered asynchronously. */
export class MemoryRunLog implements RunLog {
  readonly #runs: RunRecord[] = [];
  readonly #nodes = new Map<string, Map<string, RunNodeRecord>>();

  async beginRun(run: { runId: string; startedAt: string; targets: string[]; jobs: number }): Promise<void> {
    if (this.#runs.some((r) => r.runId === run.runId)) throw new KfmError('state', `run ${run.runId} is already recorded`);
    this.#runs.push({ runId: run.runId, startedAt: run.startedAt, endedAt: null, targets: [...run.targets], jobs: run.jobs, status: 'running' });
  }

  async endRun(runId: string, endedAt: string, status: RunRecord['status'], nodes: readonly RunNodeRecord[]): Promise<void> {
    const run = this.#runs.find((r) => r.runId === runId);
    if (!run) throw new KfmError('state', `cannot end run ${runId}: it was never begun`);
    run.endedAt = endedAt;
    run.status = status;
    let byNode = this.#nodes.get(runId);
    if (!byNode) this.#nodes.set(runId, (byNode = new Map()));
    for (const n of nodes) byNode.set(n.nodeId, { nodeId: n.nodeId, status: n.status, key: n.key, error: n.error });
  }

  async closeAbandonedRuns(endedAt: string): Promise<number> {
    let n = 0;
    for (const r of this.#runs) {
      if (r.status !== 'running') continue;
      r.status = 'interrupted';
      r.endedAt = endedAt;
      n++;
    }
    return n;
  }

  async runs(limit = 20): Promise<RunRecord[]> {
    return this.peekRuns(limit);
  }

  async runNodes(runId: string): Promise<RunNodeRecord[]> {
    return this.peekRunNodes(runId);
  }

  /** Test inspection: `runs`, answered synchronously (the engine always awaits the seam). */
  peekRuns(limit = 20): RunRecord[] {
    const newestFirst = this.#runs
      .map((r, i) => ({ r, i }))
      .sort((a, b) => compareCodePoints(b.r.startedAt, a.r.startedAt) || b.i - a.i)
      .map(({ r }) => copy(r));
    return newestFirst.slice(0, Math.max(0, limit));
  }

  /** Test inspection: `runNodes`, answered synchronously. */
  peekRunNodes(runId: string): RunNodeRecord[] {
    const byNode = this.#nodes.get(runId);
    if (!byNode) return [];
    return [...byNode.values()].sort((a, b) => compareCodePoints(a.nodeId, b.nodeId)).map(copy);
  }
}
