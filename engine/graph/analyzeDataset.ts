import type { DatasetDecl } from '../../core/kfmConfig.js';
import { canonicalJson } from '../../core/canonicalJson.js';
import type { GraphDataset } from './graph.js';
import type { KfmfileLocator } from './kfmfileLocator.js';
import { SLICE_RE, SLUG_RE } from '../../core/spec.js';
import { sliceProblem } from './sliceProblem.js';

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
  const badDefault = defaultSlice === undefined ? undefined : sliceProblem(defaultSlice);
  if (badDefault) at.fail(`the default slice "${defaultSlice}" of dataset "${slug}" is not a real date: ${badDefault}`, ds.declaredAt);
  const slices = declaredSlices(ds, slug, defaultSlice, (message) => at.fail(message, ds.declaredAt));
  return { slug, spec: ds.spec, nodes: [], defaultSlice, slices, declaredAt: at.where(ds.declaredAt) };
}

/** `options.slices`: a list of distinct real slices that holds the default slice. */
function declaredSlices(ds: DatasetDecl, slug: string, defaultSlice: string | undefined, fail: (message: string) => never): string[] | undefined {
  const slices: unknown = ds.options?.slices;
  if (slices === undefined) return undefined;
  if (!Array.isArray(slices) || slices.length === 0) fail(`the slices of dataset "${slug}" must be a non-empty list of slices (YYYY, YYYY-MM or YYYY-MM-DD)`);
  const seen = new Set<string>();
  for (const s of slices as unknown[]) {
    const problem = sliceProblem(s);
    if (problem) fail(`slice ${JSON.stringify(s)} in the slices of dataset "${slug}" is invalid: ${problem}`);
    if (seen.has(s as string)) fail(`slice "${String(s)}" is listed twice in the slices of dataset "${slug}"`);
    seen.add(s as string);
  }
  if (defaultSlice !== undefined && !seen.has(defaultSlice)) {
    fail(`the default slice "${defaultSlice}" of dataset "${slug}" is not one of its slices (${[...seen].join(', ')})`);
  }
  return [...seen];
}
