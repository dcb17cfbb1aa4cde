import { isAbsolute } from 'node:path';
import type { DatasetDecl, TaskDecl } from '../../core/kfmConfig.js';
import { canonicalJson } from '../../core/canonicalJson.js';
import type { Location } from '../../core/error.js';
import type { FileSystem } from '../../core/fs.js';
import { nodeId, type GraphNode } from './graph.js';
import type { JsonObject } from '../../core/json.js';
import type { KfmfileLocator } from './kfmfileLocator.js';
import { TASK_NAME_RE, TASK_OPERATIONS, type TaskOperation, type Zone } from '../../core/spec.js';
import { taskModulePath } from './taskModulePath.js';
import { nonJsonAt } from './nonJsonAt.js';

const ZONES: readonly Zone[] = ['raw', 'work', 'processed', 'catalog', 'published', 'quarantine'];

/** What analyzing a kfmfile's tasks shares across them. */
export interface TaskAnalysis {
  at: KfmfileLocator;
  /** The project root (task modules are relative to it). */
  root: string;
  fs: FileSystem;
  /** The nodes analyzed so far (names are unique). */
  nodes: ReadonlyMap<string, GraphNode>;
  /** Where each of them was declared. */
  declSites: ReadonlyMap<string, Error | undefined>;
  /** `run` → module path: many tasks share a module, resolved (and stat'ed) once. */
  modules: Map<string, string>;
}

/**
 * Validates a task declaration of dataset `ds` (itself valid: see `analyzeDataset`) and
 * makes its node, its deps not yet resolved (`deps`: as written, names in the dataset or
 * `dataset/task` ids).
 */
export function analyzeTask(t: TaskDecl, ds: DatasetDecl, a: TaskAnalysis): { node: GraphNode; deps: string[] } {
  const slug = ds.spec.dataset_slug;
  const fail = (message: string): never => a.at.fail(message, t.declaredAt);
  if (typeof t !== 'object' || t === null || typeof t.name !== 'string') {
    a.at.fail(`dataset "${slug}" has a task that is not a task(...) declaration`, ds.declaredAt);
  }
  if (!TASK_NAME_RE.test(t.name)) fail(`task name ${JSON.stringify(t.name)} in dataset "${slug}" is invalid: it must match ${TASK_NAME_RE.source}`);
  const id = nodeId(slug, t.name);
  if (a.nodes.has(id)) fail(`duplicate task "${t.name}" in dataset "${slug}"${a.at.firstDeclaredAt(a.at.siteOf(a.declSites.get(id)))}`);
  if (typeof t.run !== 'string' || t.run === '') fail(`task "${id}" has no \`run\` module`);
  let modulePath = a.modules.get(t.run);
  if (modulePath === undefined) {
    modulePath = taskModulePath(t.run, a.root, id, a.fs, fail);
    a.modules.set(t.run, modulePath);
  }
  const { params, zone, operation, inputs, deps } = taskSettings(t, id, fail);
  const site = t.declaredAt;
  const at = a.at;
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
    inputsOutsideProject: t.inputsOutsideProject === true,
    zone,
    always: t.always ?? false,
    nondeterministic: t.nondeterministic === true,
    operation,
    // Formatting a stack is the costly part of a call site: only done for a message.
    get declaredAt() {
      if (location === null) location = at.siteOf(site);
      return location;
    },
  };
  return { node, deps };
}

/** The task's params, zone, operation, inputs and deps, checked (defaults filled in). */
function taskSettings(
  t: TaskDecl,
  id: string,
  fail: (message: string) => never,
): { params: JsonObject; zone: Zone; operation: TaskOperation; inputs: string[]; deps: string[] } {
  const declared: unknown = t.params ?? {};
  if (typeof declared !== 'object' || declared === null || Array.isArray(declared)) fail(`the params of task "${id}" must be an object`);
  const bad = nonJsonAt(declared);
  if (bad) fail(`params of task "${id}" are not JSON at ${bad.pointer}: ${bad.what}`);
  // Tasks get the params in canonical (JCS, key-sorted) order: the order the key hashes, so a
  // task that serialises ctx.params writes the same bytes whatever order the kfmfile used.
  let params: JsonObject = {};
  try {
    if (!isEmptyObject(declared as object)) params = JSON.parse(canonicalJson(declared)) as JsonObject;
  } catch (e) {
    fail(`params of task "${id}" are not JSON: ${(e as Error).message}`);
  }
  const zone = t.zone ?? 'processed';
  if (!ZONES.includes(zone)) fail(`task "${id}" has unknown zone ${JSON.stringify(zone)}`);
  const operation = t.operation ?? 'transform';
  if (!TASK_OPERATIONS.includes(operation)) {
    fail(`task "${id}" has unknown operation ${JSON.stringify(operation)} (${TASK_OPERATIONS.join(', ')})`);
  }
  const inputs = t.inputs ?? [];
  if (!Array.isArray(inputs) || inputs.some((p) => typeof p !== 'string' || p === '')) {
    fail(`the inputs of task "${id}" must be a list of glob strings`);
  }
  for (const p of inputs) {
    if (isAbsolute(p) || p.split('/').includes('..')) {
      fail(`input pattern "${p}" of task "${id}" must be relative to the project root and stay inside it`);
    }
  }
  const deps = t.deps ?? [];
  if (!Array.isArray(deps) || deps.some((d) => typeof d !== 'string')) fail(`the deps of task "${id}" must be a list of task names`);
  return { params, zone, operation, inputs, deps };
}

function isEmptyObject(o: object): boolean {
  for (const _ in o) return false;
  return true;
}
