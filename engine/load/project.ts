import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { FileContentStore } from '../../store/contentStore.js';
import { State } from '../../store/state.js';
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

/** An open project: its graph, state, store, and the caches one build uses. */
export class Project {
  readonly graph: Graph;
  readonly paths: ProjectPaths;
  readonly state: State;
  readonly store: FileContentStore;
  readonly fs: FileSystem;

  constructor(graph: Graph, fs: FileSystem = nodeFileSystem) {
    this.graph = graph;
    this.fs = fs;
    this.paths = projectPaths(graph.kfmfile);
    checkKfmDir(this.paths.kfmDir);
    mkdirSync(this.paths.kfmDir, { recursive: true });
    this.state = State.open(this.paths.statePath);
    this.store = new FileContentStore(this.paths.storeDir, 'deferred');
  }

  /** A planner over fresh stat and import caches (loaded from state in one read each). */
  planner(): { planner: Planner; hasher: FileHasher; code: CodeDigester } {
    const hasher = new FileHasher(this.fs, this.state.statCache());
    const code = new CodeDigester(this.fs, hasher, this.graph.root, this.state.moduleImports());
    const planner = new Planner(this.graph, this.fs, hasher, code, this.store, this.state.latestResults());
    return { planner, hasher, code };
  }

  /** Saves what hashing learned (new stat entries, parsed imports). */
  persistCaches(hasher: FileHasher, code: CodeDigester): void {
    this.state.putStatEntries(hasher.updatedEntries());
    this.state.putModuleImports(code.newImports());
  }

  close(): void {
    this.state.close();
  }
}
