/**
 * Results never depend on scheduling: the same project built with one job and with two (in
 * two temp copies) gives the same node keys and the same bytes in data/ and in the store.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useCliRigs, type CliRig } from '../support/cliRig.js';
import { expectValidReport } from './reportSchemas.js';

const newRig = useCliRigs();

/** Sleeps `params.ms` (so finishing order differs between -j1 and -j2), then combines its inputs and upstream outputs. */
const WORK_TASK = `import type { TaskContext } from 'kfm';
interface Params { ms: number; tag: string }
export default async function work(ctx: TaskContext): Promise<void> {
  const { ms, tag } = ctx.params as unknown as Params;
  await new Promise((resolve) => setTimeout(resolve, ms));
  const parts: string[] = [tag];
  for (const input of ctx.inputs) parts.push(\`\${input.path}=\${(await input.read()).toString('utf8').trim()}\`);
  for (const dep of Object.keys(ctx.upstream).sort()) {
    for (const name of Object.keys(ctx.upstream[dep]!).sort()) parts.push(\`\${dep}:\${name}=\${ctx.upstream[dep]![name]!.digest}\`);
  }
  await ctx.output(\`\${tag}.txt\`, parts.join('\\n') + '\\n', 'text/plain');
  await ctx.output(\`notes/\${tag}.json\`, JSON.stringify({ tag, parts: parts.length }), 'application/json');
}
`;

const KFMFILE = `import { defineKfm, dataset, task, ingest } from 'kfm';
const spec = (slug: string) => ({ kfm_spec_version: 'v1', dataset_slug: slug, title: slug, upstream: { authority: 'test', access_method: 'file', endpoints: [], cadence: 'none', terms_snapshot: { license: 'CC0-1.0' } }, sensitivity: { policy_label_intent: 'public', pii_risk: 'none', sensitive_location_risk: 'none', obligations: [] }, normalization: { canonical_fields: [], crs: 'none' }, validation: { checks: [] }, outputs: [] });
export default defineKfm({ datasets: [
  dataset(spec('rows'), [
    ingest('fetch', { source: 'file:src/rows.csv', terms: { license: 'CC0-1.0' } }),
    task('parse', { run: './work.ts', deps: ['fetch'], params: { ms: 40, tag: 'parse' }, zone: 'work' }),
    task('left', { run: './work.ts', deps: ['parse'], params: { ms: 5, tag: 'left' } }),
    task('right', { run: './work.ts', deps: ['parse'], params: { ms: 90, tag: 'right' } }),
    task('join', { run: './work.ts', deps: ['left', 'right'], params: { ms: 0, tag: 'join' }, zone: 'published' }),
  ], { slice: '2021' }),
  dataset(spec('side'), [
    task('s1', { run: './work.ts', inputs: ['src/*.txt'], params: { ms: 70, tag: 's1' } }),
    task('s2', { run: './work.ts', deps: ['s1', 'rows/parse'], params: { ms: 10, tag: 's2' } }),
    task('s3', { run: './work.ts', params: { ms: 20, tag: 's3' }, zone: 'catalog' }),
  ], { slice: '2021-06' }),
] });
`;

const FILES = {
  'kfmfile.ts': KFMFILE,
  'work.ts': WORK_TASK,
  'src/rows.csv': 'id,name\n1,Allen\n2,Anderson\n',
  'src/a.txt': 'a\n',
  'src/b.txt': 'b\n',
};

/** Every file under `dir`: relative path → sha256 of its bytes. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else out[relative(dir, path)] = createHash('sha256').update(readFileSync(path)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

/** The tree without `catalog/<slug>/<dvid>/receipts/` files, and the digests (hex) of those. */
function withoutReceipts(files: Record<string, string>): [Record<string, string>, Set<string>] {
  const rest: Record<string, string> = {};
  const receipts = new Set<string>();
  for (const [path, hex] of Object.entries(files)) {
    if (/^catalog\/[^/]+\/[^/]+\/receipts\//.test(path)) receipts.add(hex);
    else rest[path] = hex;
  }
  return [rest, receipts];
}

async function buildWith(rig: CliRig, jobs: string) {
  const { result, report } = await rig.buildJson(['--jobs', jobs]);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  expectValidReport('build', report);
  return report;
}

describe('--jobs', () => {
  it('-j1 and -j2 give identical keys, data/ bytes and store objects', async () => {
    const one = newRig(FILES);
    const two = newRig(FILES);
    const [r1, r2] = await Promise.all([buildWith(one, '1'), buildWith(two, '2')]);

    expect(r1.counts).toEqual({ executed: 8, cached: 0, failed: 0, skipped: 0 });
    expect(r2.nodes.map((n) => [n.id, n.key])).toEqual(r1.nodes.map((n) => [n.id, n.key]));
    const versionFacts = (r: typeof r1) => r.versions.map(({ dataset_slug, slice, dataset_version_id, spec_hash, inputs_digest }) => ({ dataset_slug, slice, dataset_version_id, spec_hash, inputs_digest }));
    expect(versionFacts(r2)).toEqual(versionFacts(r1));

    // Run receipts record when and by which build they were made: everything else is identical.
    const [data1, receipts1] = withoutReceipts(tree(one.path('data')));
    const [data2, receipts2] = withoutReceipts(tree(two.path('data')));
    expect(Object.keys(data1).length).toBeGreaterThan(10);
    expect(data2).toEqual(data1);
    expect([receipts1.size, receipts2.size]).toEqual([8, 8]);

    const objects1 = tree(one.path('.kfm/store/objects'));
    const objects2 = tree(two.path('.kfm/store/objects'));
    const without = (objects: Record<string, string>, receipts: Set<string>) =>
      Object.fromEntries(Object.entries(objects).filter(([, hex]) => !receipts.has(hex)));
    expect(without(objects2, receipts2)).toEqual(without(objects1, receipts1));
    // Each object is named after the hash of its bytes.
    for (const [path, hex] of Object.entries(objects1)) expect(path.replace('/', '')).toBe(hex);
    for (const rig of [one, two]) expect(readdirSync(rig.path('.kfm/store/tmp'))).toEqual([]);

    // And -j2 rebuilding the -j1 project finds everything cached.
    const again = await buildWith(one, '2');
    expect(again.counts).toEqual({ executed: 0, cached: 8, failed: 0, skipped: 0 });
    expect(again.nodes.map((n) => n.key)).toEqual(r1.nodes.map((n) => n.key));
  });
});
