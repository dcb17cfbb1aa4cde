import { join } from 'node:path';
import type { OutputRecord } from '../../core/outputRecord.js';
import type { ContentStore } from '../../store/contentStore.js';
import type { NodeResult } from '../../store/state.js';
import { compareCodePoints } from '../../core/compareCodePoints.js';
import type { Graph } from '../graph/graph.js';
import type { StaticParts } from '../plan/planner.js';
import type { EventSink } from '../run/event.js';
import { createTaskJob } from './createTaskJob.js';
import { differingOutputs, type DifferingOutput } from './differingOutputs.js';
import type { TaskRunner } from './runner.js';

export type { DifferingOutput } from './differingOutputs.js';

/** What running one executed node a second time found. */
export interface DeterminismFinding {
  id: string;
  /** Both runs wrote the same outputs, byte for byte (by digest). */
  deterministic: boolean;
  /** The task declares `nondeterministic: true`: reported, never a failure. */
  declared: boolean;
  /** The outputs whose bytes differ (or that only one run wrote), sorted by name. */
  differing: DifferingOutput[];
  /** The second run failed (then it is not deterministic), with its message. */
  error?: string;
}

/** What `--verify-determinism` found in a build. */
export interface DeterminismReport {
  /** How many nodes executed in the build. */
  executed: number;
  /** The nodes run twice, sorted by id. */
  findings: DeterminismFinding[];
  /** Some node not declared `nondeterministic` differed: the build exits 1. */
  failed: boolean;
}

export interface DeterminismCheckOptions {
  graph: Graph;
  store: ContentStore;
  runner: TaskRunner;
  /** The nodes that executed in this build. */
  executed: readonly string[];
  /** Every settled node's result (the first run's, for executed nodes). */
  results: ReadonlyMap<string, NodeResult>;
  /** The latest results the build started from (each job's `previous`, as in the first run). */
  latest: ReadonlyMap<string, NodeResult>;
  staticParts: (id: string) => StaticParts;
  /** The build's scratch root: the second runs get fresh directories under `determinism/`. */
  scratchDir: string;
  runId: string;
  /** `--sample N`: check only N of the executed nodes, the first N by id (code points). */
  sample?: number | undefined;
  signal: AbortSignal;
  onEvent: EventSink;
}

/**
 * Runs each executed node (or a sample, chosen by sorted id, never at random) a second time,
 * in a fresh scratch directory, all at once on the runner (a pool spreads them over its
 * threads), and compares every output with the first run's by digest. The second run's
 * outputs are stored only to be compared (and to show a text output's first differing
 * line): no result is recorded for them. Emits `node-determinism` per node and one
 * `determinism-checked` at the end.
 */
export async function checkDeterminism(o: DeterminismCheckOptions): Promise<DeterminismReport> {
  const sorted = [...o.executed].sort(compareCodePoints);
  const chosen = o.sample === undefined ? sorted : sorted.slice(0, Math.max(0, o.sample));
  const sources = {
    graph: o.graph,
    store: o.store,
    scratchDir: join(o.scratchDir, 'determinism'),
    runId: o.runId,
    staticParts: o.staticParts,
    latest: o.latest,
    settled: o.results,
  };
  const findings = await Promise.all(
    chosen.map(async (id): Promise<DeterminismFinding> => {
      const declared = o.graph.nodes.get(id)!.nondeterministic;
      const first = o.results.get(id)!.outputs;
      const outcome = await o.runner.run(createTaskJob(id, sources), () => {}, o.signal);
      if (!outcome.ok) return { id, deterministic: false, declared, differing: [], error: outcome.error.message };
      const differing = await differingOutputs(first, outcome.outputs as OutputRecord[], o.store);
      return { id, deterministic: differing.length === 0, declared, differing };
    }),
  );
  for (const f of findings) {
    o.onEvent({ type: 'node-determinism', id: f.id, deterministic: f.deterministic, declared: f.declared, differing: f.differing, ...(f.error !== undefined ? { error: f.error } : {}) });
  }
  const failing = findings.filter((f) => !f.deterministic && !f.declared).length;
  const nondeterministic = findings.filter((f) => !f.deterministic).length;
  o.onEvent({ type: 'determinism-checked', executed: o.executed.length, checked: findings.length, nondeterministic, failing });
  return { executed: o.executed.length, findings, failed: failing > 0 };
}
