import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { dataset, defineKfm, task, type KfmConfig } from '../../api/index.js';
import { canonicalJson } from '../../core/canonicalJson.js';
import { sha256 } from '../../core/digest.js';
import { compareCodePoints } from '../../core/fs.js';
import type { JsonObject } from '../../core/json.js';
import type { TaskContext, TaskFunction } from '../../engine/schedule/taskContext.js';
import { EngineRig, type RigBuild } from '../support/engineRig.js';
import type { MemoryFileSystem } from '../support/memoryFileSystem.js';
import { Prng } from '../support/prng.js';
import { testSpec } from '../support/testSpec.js';
import { upstreamTexts } from '../support/textTasks.js';

/**
 * Random DAGs, random edits, incremental builds checked against clean builds:
 * - every node's key and output bytes equal those of a clean build of the same files and
 *   config in a fresh store and state;
 * - the incremental build runs exactly the nodes whose key it has never stored before (a
 *   key that changed back to an earlier one is a cache hit, not a run);
 * - it reads only files written since the previous build (the stat cache holds);
 * - jobs 3 with tasks finishing in random order gives the keys and bytes of jobs 1.
 */

const CASES = 30;
const SEED = 0x6b666d31;

type ModuleName = 'alpha' | 'beta' | 'shared';
const FLAVORS = ['p', 'q', 'r'];
const WORDS = ['ant', 'bee', 'cat', 'dog', 'eel', 'fox'];
const TAGS = ['x', 'y', 'é', '\u{1F600}'];

interface NodeModel {
  ds: number;
  name: string;
  module: 'alpha' | 'beta';
  deps: number[];
  inputs: string[];
  params: JsonObject;
}

interface Model {
  datasets: number;
  nodes: NodeModel[];
  modules: Record<ModuleName, { rev: number; flavor: string }>;
  /** Glob directories (`in/g0`) and the extra files added to them. */
  globDirs: string[];
  extras: string[];
  extraCount: number;
  /** Every content each file has had. */
  history: Map<string, string[]>;
}

function moduleSource(name: ModuleName, m: { rev: number; flavor: string }): string {
  const imports = name === 'shared' ? '' : `import { shared } from './lib/shared.js';\n`;
  return `// ${name}, revision ${m.rev}\n${imports}export const flavor = '${m.flavor}';\n`;
}

function modulePath(name: ModuleName): string {
  return name === 'shared' ? 'tasks/lib/shared.ts' : `tasks/${name}.ts`;
}

/** What a task's code "does": the flavors in its module and in the shared module it imports. */
function flavorOf(fs: MemoryFileSystem, absPath: string): string {
  const own = /export const flavor = '([a-z]+)'/.exec(fs.contentOf(absPath).toString('utf8'))?.[1];
  const shared = /export const flavor = '([a-z]+)'/.exec(fs.contentOf('/proj/tasks/lib/shared.ts').toString('utf8'))?.[1];
  return `${own}+${shared}`;
}

function inputTexts(fs: MemoryFileSystem, ctx: TaskContext): [string, string][] {
  return ctx.inputs.map((i) => [i.path, fs.contentOf(i.absPath).toString('utf8')]);
}

function randomContent(r: Prng): string {
  return Array.from({ length: r.int(1, 3) }, () => Array.from({ length: r.int(1, 3) }, () => r.pick(WORDS)).join(' ')).join('\n') + '\n';
}

function randomParams(r: Prng): JsonObject {
  const p: JsonObject = { salt: r.int(0, 2), tag: r.pick(TAGS) };
  if (r.chance(0.3)) p.nested = { list: [r.int(0, 3), 1e21, 0.1, -1], 'ключ': r.chance(0.5) };
  return p;
}

function generate(r: Prng, fs: MemoryFileSystem): Model {
  const datasets = r.int(1, 3);
  const nStatic = r.int(3, 8);
  const statics = Array.from({ length: nStatic }, (_, j) => `in/s${j}.txt`);
  const globDirs = Array.from({ length: r.int(1, 2) }, (_, m) => `in/g${m}`);
  const history = new Map<string, string[]>();
  const write = (rel: string, content: string) => {
    fs.write(`/proj/${rel}`, content);
    history.set(rel, [...(history.get(rel) ?? []), content]);
  };
  for (const s of statics) write(s, randomContent(r));
  for (const d of globDirs) write(`${d}/base.txt`, randomContent(r));

  const n = r.int(5, 25);
  const nodes: NodeModel[] = [];
  for (let i = 0; i < n; i++) {
    const inputs = r.sample(statics, r.int(0, 2));
    if (r.chance(0.35)) inputs.push(`${r.pick(globDirs)}/*.txt`);
    nodes.push({
      ds: i < datasets ? i : r.int(0, datasets - 1),
      name: `t${i}`,
      module: r.chance(0.5) ? 'alpha' : 'beta',
      deps: r.sample(
        nodes.map((_, j) => j),
        r.int(0, Math.min(3, i)),
      ),
      inputs,
      params: randomParams(r),
    });
  }
  const modules: Model['modules'] = {
    alpha: { rev: 1, flavor: r.pick(FLAVORS) },
    beta: { rev: 1, flavor: r.pick(FLAVORS) },
    shared: { rev: 1, flavor: r.pick(FLAVORS) },
  };
  for (const name of ['alpha', 'beta', 'shared'] as const) write(modulePath(name), moduleSource(name, modules[name]));
  return { datasets, nodes, modules, globDirs, extras: [], extraCount: 0, history };
}

function configOf(model: Model): KfmConfig {
  return defineKfm({
    datasets: Array.from({ length: model.datasets }, (_, k) =>
      dataset(
        testSpec(`d${k}`),
        model.nodes
          .filter((node) => node.ds === k)
          .map((node) =>
            task(node.name, {
              run: `./${modulePath(node.module)}`,
              deps: node.deps.map((j) => {
                const dep = model.nodes[j]!;
                return dep.ds === k ? dep.name : `d${dep.ds}/${dep.name}`;
              }),
              inputs: node.inputs,
              params: node.params,
            }),
          ),
      ),
    ),
  });
}

function idOf(model: Model, node: NodeModel): string {
  return `d${node.ds}/${node.name}`;
}

/** Applies one random edit; returns what it did and the files it wrote. */
function edit(r: Prng, model: Model, fs: MemoryFileSystem): { what: string; wrote: string[] } {
  const write = (rel: string, content: string) => {
    fs.write(`/proj/${rel}`, content);
    model.history.set(rel, [...(model.history.get(rel) ?? []), content]);
    return [`/proj/${rel}`];
  };
  const files = [...model.history.keys()].filter((f) => f.startsWith('in/') && fs.exists(`/proj/${f}`)).sort(compareCodePoints);
  const kind = r.pick(['file', 'file', 'revert', 'revert', 'param', 'code', 'add', 'remove', 'touch'] as const);
  switch (kind) {
    case 'file': {
      const f = r.pick(files);
      return { what: `edit ${f}`, wrote: write(f, randomContent(r)) };
    }
    case 'revert': {
      // Back to an earlier content (not the current one): the node's key is one stored before.
      const current = (f: string) => fs.contentOf(`/proj/${f}`).toString('utf8');
      const revertible = files.filter((f) => model.history.get(f)!.some((c) => c !== current(f)));
      if (revertible.length === 0) return edit(r, model, fs);
      const f = r.pick(revertible);
      const old = r.pick(model.history.get(f)!.filter((c) => c !== current(f)));
      return { what: `revert ${f}`, wrote: write(f, old) };
    }
    case 'param': {
      const node = r.pick(model.nodes);
      const key = r.pick(['salt', 'tag', 'nested'] as const);
      const params = { ...node.params };
      if (key === 'salt') params.salt = ((params.salt as number) + r.int(1, 2)) % 3;
      else if (key === 'tag') params.tag = r.pick(TAGS.filter((t) => t !== params.tag));
      else if (params.nested === undefined) params.nested = { list: [r.int(0, 3)] };
      else delete params.nested;
      node.params = params;
      return { what: `param ${key} of ${idOf(model, node)}`, wrote: [] };
    }
    case 'code': {
      const name = r.pick(['alpha', 'beta', 'shared'] as const);
      const m = model.modules[name];
      if (r.chance(0.5)) m.rev++;
      else m.flavor = r.pick(FLAVORS.filter((f) => f !== m.flavor));
      return { what: `code ${name} (rev ${m.rev}, flavor ${m.flavor})`, wrote: write(modulePath(name), moduleSource(name, m)) };
    }
    case 'add': {
      const f = `${r.pick(model.globDirs)}/x${model.extraCount++}.txt`;
      model.extras.push(f);
      return { what: `add ${f}`, wrote: write(f, randomContent(r)) };
    }
    case 'remove': {
      if (model.extras.length === 0) return edit(r, model, fs);
      const f = r.pick(model.extras);
      model.extras = model.extras.filter((x) => x !== f);
      fs.remove(`/proj/${f}`);
      return { what: `remove ${f}`, wrote: [] };
    }
    case 'touch': {
      const f = r.pick(files);
      fs.touch(`/proj/${f}`);
      return { what: `touch ${f}`, wrote: [`/proj/${f}`] };
    }
  }
}

/** The two task modules. `delays` (when set) makes tasks finish in a random order. */
function registerTasks(rig: EngineRig, delays: { r: Prng | null }): void {
  const pause = async () => {
    if (delays.r) await sleep(delays.r.int(0, 2));
  };
  // alpha: everything, verbatim (upstream outputs by digest, to keep outputs small).
  const alpha: TaskFunction = async (ctx) => {
    await pause();
    const lines = [`flavor ${flavorOf(rig.fs, '/proj/tasks/alpha.ts')}`, `params ${canonicalJson(ctx.params)}`];
    for (const [path, text] of inputTexts(rig.fs, ctx)) lines.push(`input ${path}`, text);
    for (const [label, text] of await upstreamTexts(ctx)) lines.push(`upstream ${label} ${sha256(text)}`);
    await pause();
    await ctx.output('out.txt', lines.join('\n'), 'text/plain');
  };
  // beta: a lossy summary (small edits often leave its output unchanged).
  const beta: TaskFunction = async (ctx) => {
    await pause();
    let lines = 0;
    for (const [, text] of [...inputTexts(rig.fs, ctx), ...(await upstreamTexts(ctx))]) lines += text.split('\n').filter((l) => l !== '').length;
    await ctx.output('summary.txt', `${flavorOf(rig.fs, '/proj/tasks/beta.ts')}|${lines % 3}|${String(ctx.params.salt)}\n`, 'text/plain');
    if (ctx.params.tag === 'x') await ctx.output('tag/x.json', '{"tag":"x"}\n', 'application/json');
  };
  rig.task('tasks/alpha.ts', alpha);
  rig.task('tasks/beta.ts', beta);
}

const rigs: EngineRig[] = [];
afterEach(() => {
  for (const r of rigs.splice(0)) r.close();
});

/** Keys and outputs of every node, from the build summary and the rig's store. */
function snapshot(rig: EngineRig, b: RigBuild): Map<string, { key: string; outputs: string; bytes: string[] }> {
  const out = new Map<string, { key: string; outputs: string; bytes: string[] }>();
  const latest = rig.state.latestResults();
  for (const n of b.summary.nodes) {
    const r = latest.get(n.id);
    expect(r, `${n.id} has a latest result`).toBeDefined();
    expect(r!.key).toBe(n.key);
    out.set(n.id, {
      key: n.key!,
      outputs: JSON.stringify(r!.outputs),
      bytes: r!.outputs.map((o) => rig.store.read(o.digest).toString('base64')),
    });
  }
  return out;
}

/** What the cases exercised, summed (asserted non-zero so the property is not vacuous). */
interface Coverage {
  executed: number;
  cached: number;
  /** Cached nodes whose key differed from the previous build's (an older stored key). */
  revertHits: number;
  /** Cached nodes with an upstream that ran (early cutoff). */
  cutoffs: number;
  /** jobs-3 builds whose nodes finished in another order than they started. */
  reordered: number;
}

async function runCase(caseNo: number, cov: Coverage): Promise<void> {
  const r = new Prng(SEED + caseNo * 7919);
  const rig = new EngineRig();
  rigs.push(rig);
  const delays: { r: Prng | null } = { r: null };
  registerTasks(rig, delays);
  const model = generate(r, rig.fs);
  const seen = new Map<string, Set<string>>();
  let written = new Set(rig.fs.paths());
  let previous: Map<string, string> | undefined;
  const steps = r.int(5, 8);

  for (let step = 0; step <= steps; step++) {
    let what = 'initial build';
    if (step > 0) {
      const e = edit(r, model, rig.fs);
      what = e.what;
      for (const w of e.wrote) written.add(w);
    }
    const where = `case ${caseNo}, step ${step} (${what})`;
    rig.config = configOf(model);

    delays.r = new Prng(SEED ^ (caseNo * 131 + step));
    const inc = await rig.build({ jobs: 3 });
    delays.r = null;
    expect(inc.summary.status, where).toBe('succeeded');

    const clean = rig.fresh();
    rigs.push(clean);
    const ref = await clean.build({ jobs: 1 });
    expect(ref.summary.status, where).toBe('succeeded');
    expect(ref.summary.counts.executed, where).toBe(ref.summary.nodes.length);

    const incSnap = snapshot(rig, inc);
    const refSnap = snapshot(clean, ref);
    expect(incSnap, where).toEqual(refSnap);

    // Exactly the nodes with a key never stored before ran (and each ran once).
    const neverSeen = inc.summary.nodes.filter((n) => !seen.get(n.id)?.has(n.key!)).map((n) => n.id);
    const ran = inc.summary.nodes.filter((n) => n.status === 'executed').map((n) => n.id);
    expect(ran, where).toEqual(neverSeen);
    expect([...inc.started].sort(compareCodePoints), where).toEqual(ran);
    expect(inc.summary.counts.failed + inc.summary.counts.skipped, where).toBe(0);
    if (previous) {
      // Every run node's key differs from the previous build's (or it had none).
      for (const id of ran) expect(inc.node(id).key, `${where}: ${id}`).not.toBe(previous.get(id));
      const prev = previous;
      cov.revertHits += inc.summary.nodes.filter((n) => n.status === 'cached' && n.key !== prev.get(n.id)).length;
    }
    const graph = inc.graph;
    cov.cutoffs += inc.summary.nodes.filter((n) => n.status === 'cached' && graph.nodes.get(n.id)!.deps.some((d) => inc.status[d] === 'executed')).length;
    const order = (type: 'node-start' | 'node-done') => inc.events.flatMap((e) => (e.type === type ? [e.id] : []));
    if (order('node-start').join() !== order('node-done').join()) cov.reordered++;
    for (const n of inc.summary.nodes) {
      let s = seen.get(n.id);
      if (!s) seen.set(n.id, (s = new Set()));
      s.add(n.key!);
    }
    previous = new Map(inc.summary.nodes.map((n) => [n.id, n.key!]));

    // The stat cache: only files written since the previous build are read.
    for (const p of inc.reads) expect(written.has(p), `${where}: read ${p}, which did not change`).toBe(true);
    written = new Set();

    cov.executed += inc.summary.counts.executed;
    cov.cached += inc.summary.counts.cached;
    clean.close();
    rigs.splice(rigs.indexOf(clean), 1);
  }

  const noop = await rig.build({ jobs: 3 });
  expect(noop.started, `case ${caseNo}: no-op build`).toEqual([]);
  expect(noop.reads, `case ${caseNo}: no-op build`).toEqual([]);
}

describe('property: incremental builds equal clean builds', () => {
  it(`holds for ${CASES} random DAGs and edit sequences`, async () => {
    const cov: Coverage = { executed: 0, cached: 0, revertHits: 0, cutoffs: 0, reordered: 0 };
    for (let c = 0; c < CASES; c++) await runCase(c, cov);
    // The cases exercise runs, cache hits, reverts to older keys, early cutoff, and reordering.
    expect(cov.executed).toBeGreaterThan(100);
    expect(cov.cached).toBeGreaterThan(100);
    expect(cov.revertHits).toBeGreaterThan(10);
    expect(cov.cutoffs).toBeGreaterThan(10);
    expect(cov.reordered).toBeGreaterThan(10);
  });
});
