import fg from 'fast-glob';
import { statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CodeDigester } from '../keys/codeDigest.js';
import { distUrl } from '../../core/distUrl.js';
import { isEditorTempFile } from './editorTempFile.js';
import { compareCodePoints, nodeFileSystem } from '../../core/fs.js';
import type { Graph } from '../graph/graph.js';

/** A glob input pattern: the directory it reads, and how deep below it a match lies. */
export interface GlobWatch {
  pattern: string;
  /** Absolute: the pattern's leading segments without glob characters. */
  base: string;
  /** Path segments of a match below `base` (Infinity with `**` or braces). */
  depth: number;
  /** The nodes that declare it. */
  nodes: string[];
}

/** What a change touches. */
export interface Touched {
  /** The kfmfile or a module it imports (or, while the kfmfile does not load, any module-like file). */
  kfmfile: boolean;
  /** Nodes whose own code or inputs changed (their dependents follow from the build). */
  nodes: Set<string>;
}

export interface WatchPlanParts {
  root: string;
  /** The kfmfile and the local modules it imports. */
  kfmfileFiles: Iterable<string>;
  /** File → the nodes it is code or an input of (matched glob inputs included, so deletions count). */
  owners: Map<string, Set<string>>;
  globs: GlobWatch[];
  /** The kfmfile did not load: a change to any module-like file in a watched directory retries. */
  retryAny: boolean;
}

/** Never watched: kfm's own state and outputs, packages, and git. */
const EXCLUDED_AT_ROOT = new Set(['.kfm', 'data']);
const EXCLUDED_ANYWHERE = new Set(['node_modules', '.git']);
/** While the kfmfile does not load, a change to one of these retries it (a task module it names may have appeared). */
const MODULE_RE = /\.(ts|tsx|mts|cts|js|mjs|cjs|json)$/;

/**
 * What watch mode watches for one graph, and what a change touches. Files: the kfmfile and
 * its local imports, each task module in scope and its local imports, each input file.
 * Directories: the parents of those files (only those files in them count) and the static
 * base of each input glob (a new file there counts when the glob, run as the planner runs
 * it, matches it). `.kfm/`, `data/`, `node_modules/`, `.git/` and editor temp files
 * (`isEditorTempFile`) never count.
 */
export class WatchPlan {
  readonly root: string;
  readonly parts: WatchPlanParts;
  /** Existing directories to start watching from (a missing directory is watched from its nearest existing ancestor). */
  readonly roots: string[];
  readonly #kfmfileFiles: Set<string>;
  readonly #owners: Map<string, Set<string>>;
  readonly #globs: GlobWatch[];
  readonly #retryAny: boolean;
  /** Directories whose listed files are watched. */
  readonly #fileDirs = new Set<string>();
  /** Every directory on the way from a root to a watched directory, those included. */
  readonly #dirs = new Set<string>();
  readonly #glob: (patterns: string[], cwd: string) => string[];

  constructor(parts: WatchPlanParts, glob: (patterns: string[], cwd: string) => string[] = nodeFileSystem.glob) {
    this.root = parts.root;
    this.parts = parts;
    this.#kfmfileFiles = new Set(parts.kfmfileFiles);
    this.#owners = parts.owners;
    this.#globs = parts.globs;
    this.#retryAny = parts.retryAny;
    this.#glob = glob;
    for (const f of [...this.#kfmfileFiles, ...this.#owners.keys()]) this.#fileDirs.add(dirname(f));
    const roots = new Set<string>();
    for (const d of [...this.#fileDirs, ...this.#globs.map((g) => g.base)]) {
      for (let cur = d; ; cur = dirname(cur)) {
        this.#dirs.add(cur);
        if (isDirectory(cur) || dirname(cur) === cur) {
          roots.add(cur);
          break;
        }
      }
    }
    this.roots = [...roots].sort(compareCodePoints);
  }

  /** Files watched by name (the kfmfile's, code and inputs). */
  get files(): number {
    return new Set([...this.#kfmfileFiles, ...this.#owners.keys()]).size;
  }

  /** Input globs watched for new matches. */
  get patterns(): number {
    return this.#globs.length;
  }

  /** Equal for plans that watch the same things (a watcher keeps its scan). */
  get signature(): string {
    return JSON.stringify([
      this.roots,
      [...this.#dirs].sort(compareCodePoints),
      [...this.#kfmfileFiles].sort(compareCodePoints),
      [...this.#owners.keys()].sort(compareCodePoints),
      this.#globs.map((g) => [g.pattern, g.base, g.depth]),
      this.#retryAny,
    ]);
  }

  /** Whether a watcher should look at this path (`isDirectory` when known). Directories are kept only on the way to what is watched. */
  keeps(path: string, isDirectory?: boolean): boolean {
    if (this.#excluded(path) || isEditorTempFile(basename(path))) return false;
    if (this.#dirs.has(path) || this.#owners.has(path) || this.#kfmfileFiles.has(path)) return true;
    for (const g of this.#globs) {
      const d = depthBelow(g.base, path);
      if (d !== undefined && d >= 1 && (d < g.depth || (d === g.depth && isDirectory !== true))) return true;
    }
    return this.#retryAny && isDirectory !== true && this.#fileDirs.has(dirname(path)) && MODULE_RE.test(path);
  }

  /**
   * What a change to this path touches by name alone (cheap): the kfmfile, or the nodes it is
   * code or an input of; for a removed directory, what was watched below it.
   */
  touchedByName(path: string, removedDirectory = false): Touched {
    const out: Touched = { kfmfile: false, nodes: new Set() };
    if (this.#excluded(path) || isEditorTempFile(basename(path))) return out;
    if (this.#kfmfileFiles.has(path)) out.kfmfile = true;
    for (const id of this.#owners.get(path) ?? []) out.nodes.add(id);
    if (this.#retryAny && this.keeps(path, false)) out.kfmfile = true;
    if (removedDirectory) {
      const prefix = path + sep;
      for (const [f, ids] of this.#owners) if (f.startsWith(prefix)) for (const id of ids) out.nodes.add(id);
      for (const f of this.#kfmfileFiles) if (f.startsWith(prefix)) out.kfmfile = true;
    }
    return out;
  }

  /** Whether an input glob could match this path (it is below the glob's base, not too deep). */
  underGlob(path: string): boolean {
    if (this.#excluded(path) || isEditorTempFile(basename(path))) return false;
    return this.#globs.some((g) => withinGlob(g, path));
  }

  /**
   * The nodes whose input globs match this path now: each glob is run as the planner runs it,
   * once per `results` map (pass one map for a batch of paths).
   */
  touchedByGlob(path: string, results: Map<string, Set<string>> = new Map()): Set<string> {
    const nodes = new Set<string>();
    if (!this.underGlob(path)) return nodes;
    const rel = relative(this.root, path).split(sep).join('/');
    for (const g of this.#globs) {
      if (!withinGlob(g, path)) continue;
      let matched = results.get(g.pattern);
      if (!matched) results.set(g.pattern, (matched = new Set(this.#glob([g.pattern], this.root))));
      if (matched.has(rel)) for (const id of g.nodes) nodes.add(id);
    }
    return nodes;
  }

  /** Both, for a batch of changed files. */
  touched(paths: Iterable<string>): Touched {
    const out: Touched = { kfmfile: false, nodes: new Set() };
    const results = new Map<string, Set<string>>();
    for (const p of paths) {
      const t = this.touchedByName(p);
      out.kfmfile ||= t.kfmfile;
      for (const id of [...t.nodes, ...this.touchedByGlob(p, results)]) out.nodes.add(id);
    }
    return out;
  }

  #excluded(path: string): boolean {
    const rel = relative(this.root, path);
    const inside = rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
    const segments = (inside ? rel : path).split(sep);
    if (inside && EXCLUDED_AT_ROOT.has(segments[0]!)) return true;
    return segments.some((s) => EXCLUDED_ANYWHERE.has(s));
  }
}

/** The plan for a loaded graph: the kfmfile's files, and the code and inputs of the nodes in scope. */
export async function watchPlanFor(graph: Graph, scope: readonly string[], code: CodeDigester): Promise<WatchPlan> {
  const modules = new Map<string, string[]>();
  const filesOf = async (modulePath: string): Promise<string[]> => {
    let files = modules.get(modulePath);
    if (!files) modules.set(modulePath, (files = await moduleFiles(modulePath, code)));
    return files;
  };
  const kfmfileFiles = await filesOf(graph.kfmfile);
  const owners = new Map<string, Set<string>>();
  const own = (file: string, id: string) => {
    let set = owners.get(file);
    if (!set) owners.set(file, (set = new Set()));
    set.add(id);
  };
  const globs = new Map<string, GlobWatch>();
  for (const id of scope) {
    const node = graph.nodes.get(id)!;
    for (const f of await filesOf(node.modulePath)) own(f, id);
    for (const pattern of node.inputPatterns) {
      if (!fg.isDynamicPattern(pattern)) {
        own(join(graph.root, pattern), id);
        continue;
      }
      let g = globs.get(pattern);
      if (!g) globs.set(pattern, (g = { ...globBase(graph.root, pattern), pattern, nodes: [] }));
      g.nodes.push(id);
      for (const rel of nodeFileSystem.glob([pattern], graph.root)) own(join(graph.root, rel), id);
    }
  }
  return new WatchPlan({ root: graph.root, kfmfileFiles, owners, globs: [...globs.values()], retryAny: false });
}

/**
 * The plan while the kfmfile does not load (or names an unknown target): what the previous
 * plan watched, and the kfmfile's files as far as they parse; any change retries.
 */
export async function brokenKfmfilePlan(kfmfile: string, code: CodeDigester, previous?: WatchPlan): Promise<WatchPlan> {
  // A kfmfile that does not parse lists no imports: the ones it had stay watched.
  const kfmfileFiles = new Set([...(await moduleFiles(kfmfile, code)), ...(previous?.parts.kfmfileFiles ?? [])]);
  return new WatchPlan({
    root: dirname(kfmfile),
    kfmfileFiles,
    owners: previous?.parts.owners ?? new Map(),
    globs: previous?.parts.globs ?? [],
    retryAny: true,
  });
}

/** Nodes of the given datasets (all when empty) and everything they depend on. */
export function scopeOf(graph: Graph, datasets: readonly string[]): string[] {
  if (datasets.length === 0) return graph.order;
  const wanted = new Set<string>();
  const stack = datasets.flatMap((slug) => graph.datasets.get(slug)?.nodes ?? []);
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (wanted.has(id)) continue;
    wanted.add(id);
    stack.push(...graph.nodes.get(id)!.deps);
  }
  return graph.order.filter((id) => wanted.has(id));
}

/** A glob's static base directory and the depth of its matches below it. */
export function globBase(root: string, pattern: string): { base: string; depth: number } {
  const segments = pattern.split('/');
  let i = 0;
  while (i < segments.length - 1 && !fg.isDynamicPattern(segments[i]!)) i++;
  const rest = segments.slice(i);
  const depth = rest.some((s) => s.includes('**') || s.includes('{')) ? Infinity : rest.length;
  return { base: resolve(root, segments.slice(0, i).join('/') || '.'), depth };
}

const kfmDist = dirname(fileURLToPath(distUrl('x')));

/**
 * A module's files, kfm's own built-ins left out. A file that is missing or does not parse
 * is listed without its imports: fixing it starts a cycle, which finds them again.
 */
async function moduleFiles(modulePath: string, code: CodeDigester): Promise<string[]> {
  const ours = (f: string) => relative(kfmDist, f).startsWith('..');
  if (!ours(modulePath)) return [];
  return (await code.filesOf(modulePath, { partial: true })).filter(ours);
}

function withinGlob(g: GlobWatch, path: string): boolean {
  const d = depthBelow(g.base, path);
  return d !== undefined && d >= 1 && d <= g.depth;
}

function depthBelow(base: string, path: string): number | undefined {
  const rel = relative(base, path);
  if (rel === '') return 0;
  if (rel.startsWith('..') || isAbsolute(rel)) return undefined;
  return rel.split(sep).length;
}

function isDirectory(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() === true;
}

