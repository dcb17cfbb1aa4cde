/**
 * A real graph of some size for the DAG picture: `n` small datasets (the `kfm init`
 * starter's CSV → GeoJSON) and one `sink` dataset whose one task merges all their outputs
 * (a fan-in of n upstream datasets: 2n + 1 nodes in the sink's DAG). Built through the real
 * CLI, so every dataset is registered and every node has a last status.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KFM_BIN, REPO_ROOT } from './cliRig.js';

const MERGE_TASK = `import type { TaskContext } from 'kfm';

type Params = { upstreams: string[]; output: string };

/** Every upstream's places.geojson, merged into one FeatureCollection (in the order given). */
export default async function merge(ctx: TaskContext<Params>): Promise<void> {
  const features: unknown[] = [];
  for (const dep of ctx.params.upstreams) features.push(...(JSON.parse(await ctx.dep(dep)['places.geojson']!.text()) as { features: unknown[] }).features);
  await ctx.output(ctx.params.output, JSON.stringify({ type: 'FeatureCollection', features }) + '\\n', 'application/geo+json');
}
`;

function kfmfile(n: number): string {
  return `import { dataset, defineKfm, ingest, task } from 'kfm';
const terms = { license: 'CC-BY-4.0', attribution: 'Example places (c) kfm tests, CC BY 4.0' };
const spec = (slug: string, title: string, endpoints: { name: string; url: string; parameters: Record<string, string> }[]) => ({
  kfm_spec_version: 'v1' as const,
  dataset_slug: slug,
  title,
  description: 'A few named points.',
  upstream: { authority: 'kfm tests', access_method: 'file', endpoints, cadence: 'on change', terms_snapshot: terms },
  sensitivity: { policy_label_intent: 'public', pii_risk: 'none', sensitive_location_risk: 'none', obligations: ['attribution'] },
  normalization: { canonical_fields: ['name'], units: { coordinates: 'degrees' }, crs: 'EPSG:4326' },
  validation: { checks: [] },
  outputs: [{ artifact_type: 'geojson', path: 'places.geojson' }],
});
const slugs = Array.from({ length: ${n} }, (_, i) => 'up_' + String(i).padStart(3, '0'));
const ups = slugs.map((slug) => dataset(spec(slug, 'Upstream ' + slug, [{ name: 'places.csv', url: 'file:src/places.csv', parameters: {} }]), [
  ingest('ingest', { source: 'file:src/places.csv', terms }),
  task('transform', { run: './tasks/csvToGeojson.ts', deps: ['ingest'], params: { source: 'places.csv', output: 'places.geojson' } }),
], { slice: '2024' }));
const upstreams = slugs.map((s) => s + '/transform');
const sink = dataset(spec('sink', 'Everything merged', slugs.map((s) => ({ name: s, url: 'kfm://dataset/' + s, parameters: {} }))), [
  task('merge', { run: './tasks/merge.ts', deps: upstreams, params: { upstreams, output: 'places.geojson' } }),
], { slice: '2024' });
export default defineKfm({ datasets: [...ups, sink] });
`;
}

export interface FanInProject {
  dir: string;
  /** The sink's DAG: every node id. */
  nodes: string[];
  remove(): void;
}

/** Writes the project (from `kfm init`), builds it, returns the sink DAG's node ids. */
export function buildFanInProject(n: number): FanInProject {
  mkdirSync(join(REPO_ROOT, '.kfm-test'), { recursive: true });
  const dir = mkdtempSync(join(REPO_ROOT, '.kfm-test', 'fan-in-'));
  const kfm = (args: string[]) => {
    const r = spawnSync(process.execPath, [KFM_BIN, ...args], { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 28 });
    if (r.status !== 0) throw new Error(`kfm ${args.join(' ')} exited ${r.status}: ${r.stderr.slice(-3000)}`);
    return r.stdout;
  };
  kfm(['init']);
  writeFileSync(join(dir, 'kfmfile.ts'), kfmfile(n));
  writeFileSync(join(dir, 'tasks', 'merge.ts'), MERGE_TASK);
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'));
  kfm(['build', '--json']);
  const graph = JSON.parse(kfm(['graph', '--json', 'sink'])) as { nodes: { id: string }[] };
  return { dir, nodes: graph.nodes.map((x) => x.id), remove: () => rmSync(dir, { recursive: true, force: true }) };
}
