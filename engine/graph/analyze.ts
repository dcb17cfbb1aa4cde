import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KfmConfig, TaskDecl } from '../../api/index.js';
import { callSiteIn } from '../load/callSite.js';
import { canonicalJson } from '../../core/canonicalJson.js';
import { detectCycle } from './detectCycle.js';
import { distUrl } from '../../core/distUrl.js';
import { KfmError, type Location } from '../../core/error.js';
import { nodeFileSystem, type FileSystem } from '../../core/fs.js';
import { nodeId, type Graph, type GraphDataset, type GraphNode } from './graph.js';
import type { JsonObject } from '../../core/json.js';
import { SLICE_RE, SLUG_RE, TASK_NAME_RE, TASK_OPERATIONS, type Zone } from '../../core/spec.js';
import { topoOrder } from './topoOrder.js';

const ZONES: readonly Zone[] = ['raw', 'work', 'processed', 'catalog', 'published', 'quarantine'];
const BUILTINS = new Set(['ingest']);

/** Path of a built-in task module (`kfm:ingest` → dist/tasks/ingest.js). */
export function builtinModulePath(name: string): string {
  return fileURLToPath(distUrl(`tasks/${name}.js`));
}

/**
 * Validates a loaded kfmfile and builds its graph. Every problem is a KfmError (exit 2)
 * located at the declaration in the kfmfile.
 */
export function analyze(config: KfmConfig, kfmfile: string, fs: FileSystem = nodeFileSystem): Graph {
  const root = dirname(kfmfile);
  const shownFile = shownPath(kfmfile);
  const where = (site: Error | undefined): Location => callSiteIn(site, kfmfile, shownFile) ?? { file: shownFile };
  const fail = (message: string, site: Error | undefined): never => {
    throw new KfmError('kfmfile', message, where(site));
  };

  const datasets = new Map<string, GraphDataset>();
  const nodes = new Map<string, GraphNode>();
  const declSites = new Map<string, Error | undefined>();
  const rawDeps = new Map<string, { decl: TaskDecl; deps: string[] }>();
  const modules = new Map<string, string>();

  for (const [i, ds] of config.datasets.entries()) {
    if (typeof ds !== 'object' || ds === null || typeof ds.spec !== 'object' || ds.spec === null || !Array.isArray(ds.tasks)) {
      fail(`datasets[${i}] is not a dataset: use dataset(spec, [tasks])`, undefined);
    }
    const slug = ds.spec.dataset_slug;
    if (typeof slug !== 'string' || !SLUG_RE.test(slug)) {
      fail(`dataset slug ${JSON.stringify(slug)} is invalid: it must match ^[a-z0-9_]+$`, ds.declaredAt);
    }
    const earlier = datasets.get(slug);
    if (earlier) {
      const at = earlier.declaredAt ? ` (first declared at ${formatAt(earlier.declaredAt)})` : '';
      fail(`duplicate dataset "${slug}"${at}`, ds.declaredAt);
    }
    try {
      canonicalJson(ds.spec);
    } catch (e) {
      fail(`the spec of dataset "${slug}" is not valid JSON: ${(e as Error).message}`, ds.declaredAt);
    }
    const defaultSlice = ds.options?.slice;
    if (defaultSlice !== undefined && (typeof defaultSlice !== 'string' || !SLICE_RE.test(defaultSlice))) {
      fail(`the default slice ${JSON.stringify(defaultSlice)} of dataset "${slug}" must be YYYY, YYYY-MM or YYYY-MM-DD`, ds.declaredAt);
    }
    const dataset: GraphDataset = { slug, spec: ds.spec, nodes: [], defaultSlice, declaredAt: where(ds.declaredAt) };
    datasets.set(slug, dataset);

    for (const t of ds.tasks) {
      if (typeof t !== 'object' || t === null || typeof t.name !== 'string') {
        fail(`dataset "${slug}" has a task that is not a task(...) declaration`, ds.declaredAt);
      }
      if (!TASK_NAME_RE.test(t.name)) {
        fail(`task name ${JSON.stringify(t.name)} in dataset "${slug}" is invalid: it must match ${TASK_NAME_RE.source}`, t.declaredAt);
      }
      const id = nodeId(slug, t.name);
      if (nodes.has(id)) {
        const first = callSiteIn(declSites.get(id), kfmfile, shownFile);
        const at = first ? ` (first declared at ${formatAt(first)})` : '';
        fail(`duplicate task "${t.name}" in dataset "${slug}"${at}`, t.declaredAt);
      }
      if (typeof t.run !== 'string' || t.run === '') fail(`task "${id}" has no \`run\` module`, t.declaredAt);
      // Many tasks share a module: resolve (and stat) each once.
      let modulePath = modules.get(t.run);
      if (modulePath === undefined) {
        modulePath = resolveModule(t.run, root, id, fs, (m) => fail(m, t.declaredAt));
        modules.set(t.run, modulePath);
      }
      const params = (t.params ?? {}) as JsonObject;
      if (typeof params !== 'object' || params === null || Array.isArray(params)) {
        fail(`the params of task "${id}" must be an object`, t.declaredAt);
      }
      try {
        if (!isEmptyObject(params)) canonicalJson(params);
      } catch (e) {
        fail(`the params of task "${id}" are not valid JSON: ${(e as Error).message}`, t.declaredAt);
      }
      const zone = t.zone ?? 'processed';
      if (!ZONES.includes(zone)) fail(`task "${id}" has unknown zone ${JSON.stringify(zone)}`, t.declaredAt);
      const operation = t.operation ?? 'transform';
      if (!TASK_OPERATIONS.includes(operation)) {
        fail(`task "${id}" has unknown operation ${JSON.stringify(operation)} (${TASK_OPERATIONS.join(', ')})`, t.declaredAt);
      }
      const inputs = t.inputs ?? [];
      if (!Array.isArray(inputs) || inputs.some((p) => typeof p !== 'string' || p === '')) {
        fail(`the inputs of task "${id}" must be a list of glob strings`, t.declaredAt);
      }
      for (const p of inputs) {
        if (isAbsolute(p) || p.split('/').includes('..')) {
          fail(`input pattern "${p}" of task "${id}" must be relative to the project root and stay inside it`, t.declaredAt);
        }
      }
      const deps = t.deps ?? [];
      if (!Array.isArray(deps) || deps.some((d) => typeof d !== 'string')) {
        fail(`the deps of task "${id}" must be a list of task names`, t.declaredAt);
      }
      const site = t.declaredAt;
      let location: Location | undefined | null = null;
      const node: GraphNode = {
        id,
        dataset: slug,
        task: t.name,
        run: t.run,
        modulePath,
        params,
        deps: [],
        inputPatterns: inputs,
        inputsRequired: t.inputsRequired ?? true,
        zone,
        always: t.always ?? false,
        operation,
        // Formatting a stack is the costly part of a call site: only done for a message.
        get declaredAt() {
          if (location === null) location = callSiteIn(site, kfmfile, shownFile);
          return location;
        },
      };
      nodes.set(id, node);
      declSites.set(id, t.declaredAt);
      rawDeps.set(id, { decl: t, deps });
      dataset.nodes.push(id);
    }
  }

  // Resolve dependencies once every task is known (deps may point at later datasets).
  for (const [id, { decl, deps }] of rawDeps) {
    const node = nodes.get(id)!;
    const resolved = new Set<string>();
    for (const d of deps) {
      const target = d.includes('/') ? d : nodeId(node.dataset, d);
      if (!nodes.has(target)) {
        fail(`task "${id}" depends on unknown task "${d}"`, decl.declaredAt);
      }
      if (target === id) fail(`task "${id}" depends on itself`, decl.declaredAt);
      resolved.add(target);
    }
    node.deps = [...resolved].sort();
  }

  const depMap = new Map<string, string[]>();
  for (const [id, n] of nodes) depMap.set(id, n.deps);
  const cycle = detectCycle(depMap);
  if (cycle) fail(`dependency cycle: ${cycle.join(' -> ')}`, declSites.get(cycle[0]!));

  return { root, kfmfile, datasets, nodes, order: topoOrder(depMap) };
}

function isEmptyObject(o: object): boolean {
  for (const _ in o) return false;
  return true;
}

function resolveModule(run: string, root: string, id: string, fs: FileSystem, fail: (m: string) => never): string {
  if (run.startsWith('kfm:')) {
    const name = run.slice(4);
    if (!BUILTINS.has(name)) fail(`task "${id}" uses unknown built-in task "${run}" (built-ins: ${[...BUILTINS].map((b) => `kfm:${b}`).join(', ')})`);
    return builtinModulePath(name);
  }
  const path = resolve(root, run);
  if (!fs.stat(path)) fail(`task module "${run}" of task "${id}" does not exist`);
  return path;
}

function formatAt(loc: Location): string {
  return loc.line !== undefined ? `${loc.file}:${loc.line}:${loc.column ?? 1}` : loc.file;
}

function shownPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' || rel.startsWith('..') ? path : rel;
}
