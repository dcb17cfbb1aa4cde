import type { Graph } from '../../engine/graph/graph.js';
import type { ProjectPaths } from '../../engine/load/projectPaths.js';
import { liveLockHolder } from '../../store/projectLock.js';
import { isRunLive } from '../../stages/lineage/liveRun.js';
import { ReadOnlyState } from '../../store/state/readOnlyState.js';
import { nodeLabel } from '../graph/dotGraph.js';
import { graphDocument, type GraphReportNode } from '../graph/graphDocument.js';

/** A node's last status: what the newest run that recorded it did, `running` while a build covering it runs, `never-run` when none did. */
export type DagNodeStatus = 'executed' | 'cached' | 'failed' | 'skipped' | 'running' | 'never-run';

/** The fill colour of each status in the DAG picture (the page's legend uses the same). */
export const DAG_COLOURS: Record<DagNodeStatus, string> = {
  executed: '#b7e1b0',
  cached: '#d9efd4',
  failed: '#f4a6a6',
  skipped: '#f6d49a',
  running: '#a9c8f0',
  'never-run': '#ffffff',
};

export interface DagNode extends GraphReportNode {
  status: DagNodeStatus;
  /** The run that last recorded the node (null when none did). */
  run_id: string | null;
}

export interface DatasetDag {
  kfm_dag_version: 'v1';
  dataset_slug: string;
  nodes: DagNode[];
  edges: [string, string][];
  /** The picture, as Graphviz DOT: the page lays it out with @viz-js/viz (Graphviz in WASM). */
  dot: string;
}

const RUNS_SCANNED = 200;

/**
 * The DAG of a dataset (its nodes and every node they depend on, `kfm graph`'s document)
 * with each node's last status from the state's recent runs (read-only), and a DOT picture
 * with the nodes filled by status.
 */
export function datasetDag(paths: ProjectPaths, graph: Graph, slug: string): DatasetDag {
  const doc = graphDocument(graph, [{ dataset: slug, slice: undefined }], [slug]);
  const state = ReadOnlyState.open(paths.statePath);
  const last = new Map<string, { status: DagNodeStatus; run_id: string }>();
  const running = new Set<string>();
  try {
    const runs = state?.recentRuns(RUNS_SCANNED) ?? [];
    const holder = liveLockHolder(paths.kfmDir);
    for (const r of runs) {
      if (r === runs[0] && isRunLive(r, holder)) {
        for (const n of doc.nodes) if (r.targets.length === 0 || r.targets.some((t) => /^[a-z0-9_]+/.exec(t)?.[0] === n.dataset)) running.add(n.id);
      }
      for (const n of r.nodes) if (!last.has(n.nodeId)) last.set(n.nodeId, { status: n.status, run_id: r.runId });
    }
  } finally {
    state?.close();
  }
  const nodes: DagNode[] = doc.nodes.map((n) => {
    const seen = last.get(n.id);
    return { ...n, status: running.has(n.id) ? 'running' : (seen?.status ?? 'never-run'), run_id: seen?.run_id ?? null };
  });
  return { kfm_dag_version: 'v1', dataset_slug: slug, nodes, edges: doc.edges, dot: dagDot(doc.datasets, nodes, doc.edges) };
}

const quote = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;

/** DOT: one cluster per dataset, each node filled with its status colour and carrying its id (the SVG's `<title>`). */
function dagDot(datasets: { dataset_slug: string; nodes: string[] }[], nodes: DagNode[], edges: [string, string][]): string {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const lines = ['digraph kfm {', '  rankdir=LR;', '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=11];'];
  datasets.forEach((d, i) => {
    lines.push(`  subgraph cluster_${i} {`, `    label=${quote(d.dataset_slug)};`, '    fontname="Helvetica";');
    for (const id of d.nodes) {
      const n = byId.get(id)!;
      lines.push(`    ${quote(id)} [label=${quote(`${nodeLabel(n.task, n.operation)}\n${n.status}`)}, fillcolor=${quote(DAG_COLOURS[n.status])}, class=${quote(`kfm-node status-${n.status}`)}];`);
    }
    lines.push('  }');
  });
  for (const [from, to] of edges) lines.push(`  ${quote(from)} -> ${quote(to)};`);
  lines.push('}');
  return lines.join('\n') + '\n';
}
