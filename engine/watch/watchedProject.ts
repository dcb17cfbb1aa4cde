import { dirname } from 'node:path';
import { CodeDigester } from '../keys/codeDigest.js';
import type { Digest } from '../../core/digest.js';
import { KfmError } from '../../core/error.js';
import type { EventSink } from '../run/event.js';
import { FileHasher } from '../keys/fileHasher.js';
import { nodeFileSystem, type StatEntry } from '../../core/fs.js';
import { Project, loadGraph } from '../load/project.js';
import { parseTarget } from '../graph/target.js';
import { targetScope } from '../graph/datasetScope.js';
import { brokenKfmfilePlan } from './brokenKfmfilePlan.js';
import { watchError } from './watchError.js';
import type { WatchPlan } from './watchPlan.js';
import { watchPlanFor } from './watchPlanFor.js';

/**
 * The project as watch mode keeps it between cycles: the loaded graph (reloaded after a
 * change to the kfmfile or its imports), and the watch plan for the targets, which the file
 * watcher follows. A kfmfile that does not load is reported (`watch-error`) and watched as
 * `brokenKfmfilePlan` says, until a change makes it load.
 */
export class WatchedProject {
  readonly #kfmfile: string;
  readonly #root: string;
  readonly #targets: readonly string[];
  readonly #watch: (plan: WatchPlan) => Promise<void>;
  readonly #emit: EventSink;
  // Caches for computing watch plans, kept in memory across cycles (the build keeps its own).
  readonly #statCache = new Map<string, StatEntry>();
  readonly #importCache = new Map<Digest, string[]>();
  #project: Project | undefined;
  #plan: WatchPlan | undefined;
  #reload = true;

  /** `watch`: has the file watcher follow a new plan (resolves once watching). */
  constructor(kfmfile: string, targets: readonly string[], watch: (plan: WatchPlan) => Promise<void>, emit: EventSink) {
    this.#kfmfile = kfmfile;
    this.#root = dirname(kfmfile);
    this.#targets = targets;
    this.#watch = watch;
    this.#emit = emit;
  }

  /** What is watched now (undefined until the first `prepare`). */
  get plan(): WatchPlan | undefined {
    return this.#plan;
  }

  /** The next `prepare` loads the kfmfile again. */
  reloadNext(): void {
    this.#reload = true;
  }

  /** Loads the graph when needed and updates the plan; undefined (after a `watch-error`) when it does not load. */
  async prepare(): Promise<Project | undefined> {
    try {
      if (this.#reload || !this.#project) {
        this.#reload = false;
        const graph = await loadGraph({ file: this.#kfmfile, fresh: this.#project !== undefined || this.#plan !== undefined });
        this.#project?.close();
        this.#project = undefined;
        this.#project = new Project(graph);
      }
      const graph = this.#project.graph;
      const scope = targetScope(graph, this.#targets.map((t) => parseTarget(t, graph)));
      this.#plan = await this.#withCode((code) => watchPlanFor(graph, scope, code));
      await this.#watch(this.#plan);
      return this.#project;
    } catch (e) {
      if (!(e instanceof KfmError)) throw e;
      this.#reload = true;
      this.#emit(watchError(e));
      const previous = this.#plan;
      this.#plan = await this.#withCode((code) => brokenKfmfilePlan(this.#kfmfile, code, previous));
      await this.#watch(this.#plan);
      return undefined;
    }
  }

  close(): void {
    this.#project?.close();
  }

  async #withCode<T>(f: (code: CodeDigester) => Promise<T>): Promise<T> {
    const hasher = new FileHasher(nodeFileSystem, this.#statCache);
    try {
      return await f(new CodeDigester(nodeFileSystem, hasher, this.#root, this.#importCache));
    } finally {
      for (const e of hasher.updatedEntries()) this.#statCache.set(e.path, e);
    }
  }
}
