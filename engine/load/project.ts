import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Awaitable } from '../../store/awaitable.js';
import type { ContentStore } from '../../store/contentStore.js';
import { analyze } from '../graph/analyze.js';
import { CodeDigester } from '../keys/codeDigest.js';
import { KfmError } from '../../core/error.js';
import { FileHasher } from '../keys/fileHasher.js';
import { nodeFileSystem, type FileSystem } from '../../core/fs.js';
import type { Graph } from '../graph/graph.js';
import { findKfmfile } from './findKfmfile.js';
import { loadKfmfile } from './loadKfmfile.js';
import { loadWithCallSites } from './locateError.js';
import { projectPaths, type ProjectPaths } from './projectPaths.js';
import { Planner } from '../plan/planner.js';
import { openSeams, type ProjectSeams, type ProjectState } from './openSeams.js';
import { checkKfmDir } from './checkKfmDir.js';

/** Finds the kfmfile (`file`, or walking up from `cwd`), loads and validates it. */
export async function loadGraph(options: { cwd?: string; file?: string; fresh?: boolean }): Promise<Graph> {
  const cwd = resolve(options.cwd ?? process.cwd());
  const kfmfile = options.file ? resolve(cwd, options.file) : findKfmfile(cwd);
  if (!kfmfile) {
    throw new KfmError('kfmfile', `no kfmfile.ts found in ${cwd} or any parent directory`);
  }
  const loadedAt = Date.now();
  const config = await loadKfmfile(kfmfile, { fresh: options.fresh ?? false });
  try {
    return { ...analyze(config, kfmfile), loadedAt };
  } catch (e) {
    // The first load records no call sites (they are costly); the message needs them.
    if (!(e instanceof KfmError) || e.code !== 'kfmfile' || e.location?.line !== undefined) throw e;
    const located = await loadWithCallSites(kfmfile);
    throw located instanceof KfmError ? located : e;
  }
}

/** An open project: its graph, its seams (state, store: engine/load/openSeams.ts), and the caches one build uses. */
export class Project {
  readonly graph: Graph;
  readonly paths: ProjectPaths;
  readonly state: ProjectState;
  readonly store: ContentStore;
  readonly fs: FileSystem;
  readonly #seams: ProjectSeams;

  constructor(graph: Graph, fs: FileSystem = nodeFileSystem) {
    this.graph = graph;
    this.fs = fs;
    this.paths = projectPaths(graph.kfmfile);
    checkKfmDir(this.paths.kfmDir);
    mkdirSync(this.paths.kfmDir, { recursive: true });
    this.#seams = openSeams(this.paths);
    this.state = this.#seams.state;
    this.store = this.#seams.store;
  }

  /** Removes what killed writers left in the store (see ProjectSeams.sweepTemp); under the project lock only. */
  sweepTemp(): number {
    return this.#seams.sweepTemp();
  }

  /** A planner over fresh stat and import caches (loaded from state in one read each) and the latest results. */
  async planner(): Promise<{ planner: Planner; hasher: FileHasher; code: CodeDigester }> {
    const hasher = new FileHasher(this.fs, this.state.statCache());
    const code = new CodeDigester(this.fs, hasher, this.graph.root, this.state.moduleImports());
    const planner = new Planner(this.graph, this.fs, hasher, code, this.store, await this.state.latestResults());
    return { planner, hasher, code };
  }

  /** Saves what hashing learned (new stat entries, parsed imports). */
  persistCaches(hasher: FileHasher, code: CodeDigester): void {
    this.state.putStatEntries(hasher.updatedEntries());
    this.state.putModuleImports(code.newImports());
  }

  /** Closes the state (synchronously for SQLite; a remote state's close is a Promise to await). */
  close(): Awaitable<void> {
    return this.state.close();
  }
}
