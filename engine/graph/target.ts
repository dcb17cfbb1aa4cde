import { KfmError } from '../../core/error.js';
import { nodeId, type Graph } from './graph.js';
import { SLICE_RE, SLUG_RE, TASK_NAME_RE } from '../../core/spec.js';
import { sliceProblem } from './sliceProblem.js';
import { didYouMean } from './didYouMean.js';

/**
 * A build target: `ks_counties@2017` (dataset and slice), `ks_counties`, or one task of a
 * dataset, `ks_counties/qa` (`ks_counties@2017/qa`). A task target builds that node and what
 * it needs, and versions nothing (a version is the whole dataset's).
 */
export interface Target {
  dataset: string;
  slice: string | undefined;
  /** The task a node target names (its node id is `<dataset>/<task>`); undefined: the whole dataset. */
  task?: string | undefined;
}

export function parseTarget(text: string, graph: Graph): Target {
  const slash = text.indexOf('/');
  const head = slash < 0 ? text : text.slice(0, slash);
  const task = slash < 0 ? undefined : text.slice(slash + 1);
  const at = head.indexOf('@');
  const dataset = at < 0 ? head : head.slice(0, at);
  const slice = at < 0 ? undefined : head.slice(at + 1);
  if (!SLUG_RE.test(dataset)) {
    throw new KfmError('usage', `invalid target "${text}": the dataset slug must match ^[a-z0-9_]+$`);
  }
  if (slice !== undefined && !SLICE_RE.test(slice)) {
    throw new KfmError('usage', `invalid target "${text}": the slice must be YYYY, YYYY-MM or YYYY-MM-DD`);
  }
  if (task !== undefined && !TASK_NAME_RE.test(task)) {
    throw new KfmError('usage', `invalid target "${text}": after / comes a task name (^[a-z0-9_][a-z0-9_-]*$), as in ks_counties/qa`);
  }
  const problem = slice === undefined ? undefined : sliceProblem(slice);
  if (problem) throw new KfmError('usage', `invalid target "${text}": ${problem}`);
  const ds = graph.datasets.get(dataset);
  if (!ds) {
    const known = [...graph.datasets.keys()].join(', ') || 'none';
    throw new KfmError('usage', `unknown dataset "${dataset}" (datasets: ${known})`);
  }
  if (slice !== undefined && ds.slices !== undefined && !ds.slices.includes(slice)) {
    throw new KfmError('usage', `dataset "${dataset}" has no slice ${slice} (its slices: ${ds.slices.join(', ')})`);
  }
  if (task !== undefined && !graph.nodes.has(nodeId(dataset, task))) {
    const tasks = ds.nodes.map((id) => graph.nodes.get(id)!.task);
    throw new KfmError('usage', `dataset "${dataset}" has no task "${task}" (its tasks: ${tasks.join(', ') || 'none'})${didYouMean(task, tasks)}`);
  }
  return { dataset, slice, ...(task !== undefined ? { task } : {}) };
}

/** A target as written: `ks_counties`, `ks_counties@2017`, `ks_counties/qa`, `ks_counties@2017/qa`. */
export function targetText(t: Target): string {
  return `${t.dataset}${t.slice ? `@${t.slice}` : ''}${t.task !== undefined ? `/${t.task}` : ''}`;
}

/** The node ids the targets name: a dataset target its dataset's nodes, a task target its node. */
export function targetNodes(graph: Graph, targets: readonly Target[]): string[] {
  return [...new Set(targets.flatMap((t) => (t.task !== undefined ? [nodeId(t.dataset, t.task)] : graph.datasets.get(t.dataset)!.nodes)))];
}

/** The dataset targets: the ones a build versions (a task target never records a version). */
export function datasetTargets(targets: readonly Target[]): Target[] {
  return targets.filter((t) => t.task === undefined);
}
