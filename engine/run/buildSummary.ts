import type { Digest } from '../../core/digest.js';
import type { NodeResult } from '../../store/state.js';
import type { DirtyReason } from '../keys/dirtyReason.js';
import type { TaskFailure } from '../schedule/job.js';
import type { LinkedVersion } from '../versions/linkDatasetVersion.js';
import type { NodeStatus } from './event.js';
import type { SkipReason } from './skipReason.js';
import type { DeterminismReport } from '../schedule/determinismCheck.js';

/** What happened to one node in a build. */
export interface NodeSummary {
  id: string;
  status: NodeStatus;
  key: Digest | null;
  /** Why it ran (executed nodes). */
  reason?: DirtyReason;
  error?: TaskFailure;
  /** Why it did not run (skipped nodes). */
  because?: SkipReason;
  durationMs?: number;
  /** A cached node whose result came from the shared cache (KFM_CACHE). */
  shared?: true;
}

/** What a build did: what `kfm build --json` reports (schemas/build-report.schema.json). */
export interface BuildSummary {
  runId: string;
  status: 'succeeded' | 'failed' | 'interrupted';
  /** Every node in scope, sorted by id. */
  nodes: NodeSummary[];
  versions: LinkedVersion[];
  counts: Record<NodeStatus, number>;
  durationMs: number;
  /** `--verify-determinism`: what running the executed nodes again found (a `failed` one makes `kfm build` exit 1). */
  determinism?: DeterminismReport;
  /** A shared cache (KFM_CACHE) was asked: the report says what it gave. */
  sharedCache?: true;
  /** The result each settled node built or found (not part of any report). */
  results?: Map<string, NodeResult>;
}

/** The summaries of `ids`, sorted by id (code points), and how many have each status. */
export function summarizeNodes(ids: readonly string[], summaries: ReadonlyMap<string, NodeSummary>): { nodes: NodeSummary[]; counts: Record<NodeStatus, number> } {
  const nodes = ids.map((id) => summaries.get(id)!).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const counts: Record<NodeStatus, number> = { executed: 0, cached: 0, failed: 0, skipped: 0 };
  for (const n of nodes) counts[n.status]++;
  return { nodes, counts };
}
