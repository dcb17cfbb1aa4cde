import type { BuildViewState, DatasetView, NodeState, NodeView, StateCounts } from './buildViewModel.js';

/** A dataset with more nodes than this shows one summary line (plus its running nodes). */
export const COLLAPSE_OVER = 20;

export type TreeRow =
  /** A dataset; `summary` when its nodes are not all listed below it (show counts per state). */
  | { type: 'dataset'; dataset: DatasetView; summary: boolean }
  /** A node under its dataset; `last` draws the closing branch. */
  | { type: 'node'; node: NodeView; last: boolean }
  /** Rows left out to fit the screen: whole datasets, and the counts of every node not shown. */
  | { type: 'more'; datasets: number; counts: StateCounts };

/** How much of the tree to show; each level shows less than the one before. */
type Detail =
  /** Every node of small datasets; the running nodes of large ones. */
  | 'full'
  /** Finished datasets fold to one line. */
  | 'fold-settled'
  /** Only running nodes are listed. */
  | 'running-only'
  /** Datasets with nothing running or failed fold into one `more` line. */
  | 'active-only';

const DETAILS: readonly Detail[] = ['full', 'fold-settled', 'running-only', 'active-only'];

/**
 * The rows of the dataset → node tree, at most `maxRows` of them: the most detail that
 * fits. Costs O(datasets + running nodes + shown rows), never O(all nodes), so a 10,000
 * node build draws as fast as a small one.
 */
export function treeRows(state: BuildViewState, maxRows = Number.POSITIVE_INFINITY): TreeRow[] {
  const budget = Math.max(1, Math.floor(maxRows));
  const runningBy = new Map<string, NodeView[]>();
  for (const id of state.running) {
    const node = state.nodes.get(id);
    if (!node) continue;
    let list = runningBy.get(node.dataset);
    if (!list) runningBy.set(node.dataset, (list = []));
    list.push(node);
  }
  const datasets = [...state.datasets.values()];
  for (const detail of DETAILS) {
    const rows = countRows(datasets, runningBy, detail);
    // At the last level, the rows left over show the first folded datasets' lines.
    if (rows <= budget) return rowsAt(state, datasets, runningBy, detail, budget - rows);
  }
  return cut(rowsAt(state, datasets, runningBy, 'active-only', 0), budget);
}

/** Which nodes a dataset lists at a detail level (`undefined`: the dataset is folded away). */
function listed(ds: DatasetView, running: NodeView[] | undefined, detail: Detail): 'all' | 'running' | 'none' | undefined {
  const c = ds.counts;
  const settled = c.running === 0 && c.queued === 0;
  if (detail === 'active-only' && c.running === 0 && c.failed === 0) return undefined;
  if (detail === 'running-only' || detail === 'active-only') return running ? 'running' : 'none';
  if (detail === 'fold-settled' && settled) return 'none';
  return ds.nodeIds.length > COLLAPSE_OVER ? (running ? 'running' : 'none') : 'all';
}

function countRows(datasets: DatasetView[], runningBy: Map<string, NodeView[]>, detail: Detail): number {
  let rows = 0;
  let folded = 0;
  for (const ds of datasets) {
    const running = runningBy.get(ds.slug);
    const which = listed(ds, running, detail);
    if (which === undefined) {
      folded++;
      continue;
    }
    rows += 1 + (which === 'all' ? ds.nodeIds.length : which === 'running' ? running!.length : 0);
  }
  return rows + (folded > 0 ? 1 : 0);
}

function rowsAt(state: BuildViewState, datasets: DatasetView[], runningBy: Map<string, NodeView[]>, detail: Detail, spare: number): TreeRow[] {
  const rows: TreeRow[] = [];
  let folded = 0;
  let unfolded = 0;
  const foldedCounts: Record<NodeState, number> = { queued: 0, running: 0, cached: 0, done: 0, failed: 0, skipped: 0 };
  for (const ds of datasets) {
    const running = runningBy.get(ds.slug);
    let which = listed(ds, running, detail);
    if (which === undefined && unfolded < spare) {
      which = 'none';
      unfolded++;
    }
    if (which === undefined) {
      folded++;
      for (const k of Object.keys(foldedCounts) as NodeState[]) foldedCounts[k] += ds.counts[k];
      continue;
    }
    rows.push({ type: 'dataset', dataset: ds, summary: which !== 'all' });
    const nodes = which === 'all' ? ds.nodeIds.map((id) => state.nodes.get(id)!) : which === 'running' ? running! : [];
    nodes.forEach((node, i) => rows.push({ type: 'node', node, last: i === nodes.length - 1 }));
  }
  if (folded > 0) rows.push({ type: 'more', datasets: folded, counts: foldedCounts });
  return rows;
}

/** Keeps the first rows and counts the rest (whole datasets, or nodes under a dataset shown) in the `more` line. */
function cut(rows: TreeRow[], budget: number): TreeRow[] {
  const keep = Math.max(0, budget - 1);
  const hidden = rows.slice(keep);
  const hiddenDatasets = new Set(hidden.flatMap((r) => (r.type === 'dataset' ? [r.dataset.slug] : [])));
  const counts: Record<NodeState, number> = { queued: 0, running: 0, cached: 0, done: 0, failed: 0, skipped: 0 };
  const add = (c: StateCounts) => {
    for (const k of Object.keys(counts) as NodeState[]) counts[k] += c[k];
  };
  let datasets = 0;
  for (const row of hidden) {
    if (row.type === 'dataset') {
      datasets++;
      add(row.dataset.counts);
    } else if (row.type === 'more') {
      datasets += row.datasets;
      add(row.counts);
    } else if (!hiddenDatasets.has(row.node.dataset)) {
      counts[row.node.state]++;
    }
  }
  return [...rows.slice(0, keep), { type: 'more', datasets, counts }];
}
