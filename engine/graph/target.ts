import { KfmError } from '../../core/error.js';
import type { Graph } from './graph.js';
import { SLICE_RE, SLUG_RE } from '../../core/spec.js';
import { sliceProblem } from './sliceProblem.js';

/** A build target: `ks_counties@2017` (dataset and slice) or `ks_counties`. */
export interface Target {
  dataset: string;
  slice: string | undefined;
}

export function parseTarget(text: string, graph: Graph): Target {
  const at = text.indexOf('@');
  const dataset = at < 0 ? text : text.slice(0, at);
  const slice = at < 0 ? undefined : text.slice(at + 1);
  if (!SLUG_RE.test(dataset)) {
    throw new KfmError('usage', `invalid target "${text}": the dataset slug must match ^[a-z0-9_]+$`);
  }
  if (slice !== undefined && !SLICE_RE.test(slice)) {
    throw new KfmError('usage', `invalid target "${text}": the slice must be YYYY, YYYY-MM or YYYY-MM-DD`);
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
  return { dataset, slice };
}
