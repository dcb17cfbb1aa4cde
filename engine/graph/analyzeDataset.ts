import type { DatasetDecl } from '../../core/kfmConfig.js';
import { canonicalJson } from '../../core/canonicalJson.js';
import type { GraphDataset } from './graph.js';
import type { KfmfileLocator } from './kfmfileLocator.js';
import { SLICE_RE, SLUG_RE } from '../../core/spec.js';

/**
 * Validates the `index`th dataset declaration of a kfmfile (its tasks aside): a dataset(...)
 * value, a valid slug not in `earlier`, a spec that is JSON, a valid default slice. Returns
 * the graph's dataset, with no nodes yet.
 */
export function analyzeDataset(ds: DatasetDecl, index: number, earlier: ReadonlyMap<string, GraphDataset>, at: KfmfileLocator): GraphDataset {
  if (typeof ds !== 'object' || ds === null || typeof ds.spec !== 'object' || ds.spec === null || !Array.isArray(ds.tasks)) {
    at.fail(`datasets[${index}] is not a dataset: use dataset(spec, [tasks])`, undefined);
  }
  const slug = ds.spec.dataset_slug;
  if (typeof slug !== 'string' || !SLUG_RE.test(slug)) {
    at.fail(`dataset slug ${JSON.stringify(slug)} is invalid: it must match ^[a-z0-9_]+$`, ds.declaredAt);
  }
  const first = earlier.get(slug);
  if (first) at.fail(`duplicate dataset "${slug}"${at.firstDeclaredAt(first.declaredAt)}`, ds.declaredAt);
  try {
    canonicalJson(ds.spec);
  } catch (e) {
    at.fail(`the spec of dataset "${slug}" is not valid JSON: ${(e as Error).message}`, ds.declaredAt);
  }
  const defaultSlice = ds.options?.slice;
  if (defaultSlice !== undefined && (typeof defaultSlice !== 'string' || !SLICE_RE.test(defaultSlice))) {
    at.fail(`the default slice ${JSON.stringify(defaultSlice)} of dataset "${slug}" must be YYYY, YYYY-MM or YYYY-MM-DD`, ds.declaredAt);
  }
  return { slug, spec: ds.spec, nodes: [], defaultSlice, declaredAt: at.where(ds.declaredAt) };
}
