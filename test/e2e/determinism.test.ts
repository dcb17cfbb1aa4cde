/**
 * Results never depend on scheduling: the same project built with one job and with two (in
 * two temp copies) gives the same node keys and the same bytes in data/ and in the store.
 * Nor on the checkout: two copies in different directories, with different HOME, TMPDIR,
 * locale, time zone and (as root) OS user, give the same keys, dvids and data/ bytes; their
 * receipts differ only in the actor, the timestamps and the run ids.
 */
import { createHash } from 'node:crypto';
import { chownSync, lchownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useCliRigs, type CliRig } from '../support/cliRig.js';
import { expectValidReport } from './reportSchemas.js';
import { citesReceipts, withoutRunFacts } from '../support/catalogRunFacts.js';

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

/**
 * The tree without `catalog/<slug>/<dvid>/receipts/` files, and the digests (hex) of those.
 * The catalog files that cite receipts (DCAT, PROV) stay in, as the digest of their text
 * without run facts (test/support/catalogRunFacts.ts); their own digests join the receipts'.
 */
function withoutReceipts(files: Record<string, string>, dataDir: string): [Record<string, string>, Set<string>] {
  const rest: Record<string, string> = {};
  const receipts = new Set<string>();
  for (const [path, hex] of Object.entries(files)) {
    if (/^catalog\/[^/]+\/[^/]+\/receipts\//.test(path)) receipts.add(hex);
    else if (citesReceipts(path)) {
      receipts.add(hex);
      rest[path] = createHash('sha256').update(withoutRunFacts(readFileSync(join(dataDir, path), 'utf8'))).digest('hex');
    } else rest[path] = hex;
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
    const [data1, receipts1] = withoutReceipts(tree(one.path('data')), one.path('data'));
    const [data2, receipts2] = withoutReceipts(tree(two.path('data')), two.path('data'));
    expect(Object.keys(data1).length).toBeGreaterThan(10);
    expect(data2).toEqual(data1);
    // 8 task receipts, 2 catalog receipts, and the 2 DCAT records and 2 PROV bundles that cite them.
    expect([receipts1.size, receipts2.size]).toEqual([14, 14]);

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

/** Everything under `dir`, recursively, handed to the user `uid:gid`. */
function chownTree(dir: string, uid: number, gid: number): void {
  chownSync(dir, uid, gid);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) chownTree(path, uid, gid);
    else lchownSync(path, uid, gid);
  }
}

/** The predicates of every receipt under data/catalog/, keyed by node. */
function receiptPredicates(dir: string): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.includes('/receipts/')) {
        const envelope = JSON.parse(readFileSync(p, 'utf8')) as { payload: string };
        const predicate = (JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as { predicate: Record<string, unknown> }).predicate;
        // Task receipts; a catalog receipt cites them (their run ids and digests), so it differs where they do.
        if (predicate['operation'] !== 'catalog') out.set(predicate['node'] as string, predicate);
      }
    }
  };
  walk(join(dir, 'data', 'catalog'));
  return out;
}

/**
 * What legitimately differs between two checkouts' receipts (README "Reproducibility"): who
 * ran the build, when, and the run ids (which carry the time). Everything else must match.
 */
function withoutVolatile(p: Record<string, unknown>): Record<string, unknown> {
  const { actor: _actor, run_id: _runId, timestamps: _timestamps, created_at: _createdAt, ...rest } = p;
  return rest;
}

describe('two checkouts', () => {
  it('in different directories, with another HOME, TMPDIR, locale, time zone and OS user, give the same keys, dvids and bytes', async () => {
    const one = newRig(FILES);
    const two = newRig(FILES);
    const homes = [one, two].map(() => realpathSync(mkdtempSync(join(tmpdir(), 'kfm-e2e-home-'))));
    for (const home of homes) mkdirSync(join(home, 'tmp'));
    // Another OS user for the second checkout when this runs as root (spawn's uid/gid): nobody.
    const asRoot = process.getuid?.() === 0;
    const user = asRoot ? { uid: 65534, gid: 65534 } : undefined;
    if (user) for (const d of [two.dir, two.configDir, homes[1]!]) chownTree(d, user.uid, user.gid);
    try {
      const envs = [
        { HOME: homes[0]!, TMPDIR: join(homes[0]!, 'tmp'), LANG: 'C', LC_ALL: 'C', TZ: 'UTC' },
        // Turkish casing (dotless i) and a +13:45 time zone.
        { HOME: homes[1]!, TMPDIR: join(homes[1]!, 'tmp'), LANG: 'tr_TR.UTF-8', LC_ALL: 'tr_TR.UTF-8', TZ: 'Pacific/Chatham' },
      ];
      const [a, b] = await Promise.all([
        one.buildJson([], { env: envs[0]! }),
        two.buildJson([], { env: envs[1]!, ...(user ? { user } : {}) }),
      ]);
      for (const r of [a, b]) {
        expect(r.result.code, r.result.stderr).toBe(0);
        expect(r.result.stderr).toBe('');
      }
      expect(b.report.nodes.map((n) => [n.id, n.key])).toEqual(a.report.nodes.map((n) => [n.id, n.key]));
      const facts = (r: typeof a.report) => r.versions.map(({ dataset_slug, slice, dataset_version_id, spec_hash, inputs_digest }) => ({ dataset_slug, slice, dataset_version_id, spec_hash, inputs_digest }));
      expect(facts(b.report)).toEqual(facts(a.report));
      const [data1] = withoutReceipts(tree(one.path('data')), one.path('data'));
      const [data2] = withoutReceipts(tree(two.path('data')), two.path('data'));
      expect(Object.keys(data1).length).toBeGreaterThan(10);
      expect(data2).toEqual(data1);
      // The registry too, but for each version's receipts anchor: the hash of a ledger entry
      // over the signed receipts (which name the actor and the time), and the id of that
      // ledger (the hash of its first entry, as volatile).
      const registry = (rig: CliRig) =>
        readdirSync(rig.path('registry')).sort().map((f) => {
          const doc = JSON.parse(readFileSync(rig.path('registry', f), 'utf8')) as { versions: { receipts_anchor?: { entry_hash?: string; ledger_id?: string } }[] };
          for (const v of doc.versions) {
            if (!v.receipts_anchor) continue;
            v.receipts_anchor.entry_hash = '(the ledger entry over the receipts)';
            v.receipts_anchor.ledger_id = '(the ledger: its first entry)';
          }
          return [f, doc];
        });
      expect(registry(two)).toEqual(registry(one));

      // The receipts differ only in who ran the build and when.
      const p1 = receiptPredicates(one.dir);
      const p2 = receiptPredicates(two.dir);
      expect([...p2.keys()].sort()).toEqual([...p1.keys()].sort());
      for (const [node, p] of p1) expect(withoutVolatile(p2.get(node)!), node).toEqual(withoutVolatile(p));
      if (user) expect((p2.values().next().value as { actor: { principal: string } }).actor.principal).toBe('nobody');
    } finally {
      for (const home of homes) rmSync(home, { recursive: true, force: true });
    }
  });
});
