import { statSync } from 'node:fs';
import { basename, dirname, isAbsolute, relative, sep } from 'node:path';
import { isEditorTempFile } from './editorTempFile.js';
import { compareCodePoints, nodeFileSystem } from '../../core/fs.js';
import { depthBelow, withinGlob, type GlobWatch } from './globWatch.js';

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

function isDirectory(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() === true;
}

