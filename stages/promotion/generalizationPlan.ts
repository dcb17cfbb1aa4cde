import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Evidence } from './promotionEvidence.js';

const KFM_NS = 'https://kansasfrontiermatrix.org/ns#';
const METHOD_KEYS = ['kfm:generalization_method', `${KFM_NS}generalization_method`];
const ACTIVITY_TYPES = new Set(['prov:Activity', 'Activity', 'http://www.w3.org/ns/prov#Activity']);

/**
 * The generalization plan a version's PROV bundle records: the `kfm:generalization_method`
 * of every activity in `data/catalog/<slug>/<dvid>/prov/bundle.jsonld` (JSON-LD compact
 * form, searched through `@graph` and nested nodes), sorted and each once. `missing` when
 * there is no bundle; `error` when it is not JSON.
 */
export function generalizationPlan(dataDir: string, slug: string, dvid: string): Evidence<string[]> {
  const rel = `catalog/${slug}/${dvid}/prov/bundle.jsonld`;
  let text: string;
  try {
    text = readFileSync(join(dataDir, rel), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'missing', message: `no PROV bundle (data/${rel})` };
    return { status: 'error', message: `cannot read data/${rel}: ${(e as Error).message}` };
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return { status: 'error', message: `data/${rel} is not JSON: ${(e as Error).message}` };
  }
  const methods = new Set<string>();
  visit(doc, (node) => {
    if (!isActivity(node)) return;
    for (const key of METHOD_KEYS) for (const v of values(node[key])) methods.add(v);
  });
  return { status: 'ok', value: [...methods].sort() };
}

function visit(value: unknown, f: (node: Record<string, unknown>) => void): void {
  if (Array.isArray(value)) for (const v of value) visit(v, f);
  else if (typeof value === 'object' && value !== null) {
    f(value as Record<string, unknown>);
    for (const v of Object.values(value)) visit(v, f);
  }
}

function isActivity(node: Record<string, unknown>): boolean {
  const types = node['@type'] ?? node['type'];
  return (Array.isArray(types) ? types : [types]).some((t) => typeof t === 'string' && ACTIVITY_TYPES.has(t));
}

/** The string values of a JSON-LD property: `"x"`, `{"@value": "x"}`, or a list of those. */
function values(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(values);
  if (typeof v === 'object' && v !== null && typeof (v as { '@value'?: unknown })['@value'] === 'string') return [(v as { '@value': string })['@value']];
  return [];
}
