import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KfmConfig } from '../../api/index.js';
import { analyze } from '../../engine/graph/analyze.js';
import { build } from '../../engine/run/build.js';
import type { BuildSummary, NodeSummary } from '../../engine/run/buildSummary.js';
import { CodeDigester } from '../../engine/keys/codeDigest.js';
import type { BuildEvent, NodeStatus } from '../../engine/run/event.js';
import { FileHasher } from '../../engine/keys/fileHasher.js';
import type { Graph } from '../../engine/graph/graph.js';
import { InProcessRunner } from '../../engine/schedule/inProcessRunner.js';
import type { TaskRunner } from '../../engine/schedule/runner.js';
import { Planner } from '../../engine/plan/planner.js';
import type { Target } from '../../engine/graph/target.js';
import type { InputFile, TaskFunction } from '../../engine/schedule/taskContext.js';
import { FileContentStore, type ContentStore } from '../../store/contentStore.js';
import { MemoryContentStore } from '../../store/memory/memoryContentStore.js';
import { MemoryState } from '../../store/memory/memoryState.js';
import { State, type LocalCaches, type NodeResult, type ResultStore, type RunLog, type RunNodeRecord, type RunRecord, type VersionStore } from '../../store/state.js';
import { ManualClock } from '../../core/manualClock.js';
import { MemoryFileSystem, type WriteOptions } from './memoryFileSystem.js';

/** The virtual project: every file of it lives in the memory file system. */
export const ROOT = '/proj';
export const KFMFILE = `${ROOT}/kfmfile.ts`;

export interface RigOptions {
  /**
   * The real implementations instead of the fakes: a FileContentStore in the rig's temp
   * directory and SQLite state (`:memory:`), for a test that needs files on disk. Default:
   * the in-memory fakes (MemoryContentStore, MemoryState), answered asynchronously.
   */
  real?: boolean;
  /** The real implementations with the state in a SQLite file (so `reopen` models a new process). Implies `real`. */
  stateFile?: boolean;
  /** Share another rig's files (a clean build of the same project in a fresh store and state). */
  fs?: MemoryFileSystem;
}

export interface RigBuildOptions {
  jobs?: number;
  keepGoing?: boolean;
  signal?: AbortSignal;
  /** Default: every dataset, no slice (so nothing is linked into data/). */
  targets?: Target[];
  /**
   * How far the clocks (the file system's and the build's) move before the build starts.
   * Default 1000 ms: edits made before the build are older than the racy-mtime margin when
   * they are hashed, as in real use.
   */
  advanceClockMs?: number;
  /** Sees each event as it happens (they are also collected in `RigBuild.events`). */
  onEvent?: (event: BuildEvent) => void;
  /** Wraps the in-process runner (e.g. in one that batches jobs as a pool does). */
  runner?: (inProcess: TaskRunner) => TaskRunner;
  /** `--verify-determinism` (`--sample N`): the executed nodes run again and are compared. */
  verifyDeterminism?: { sample?: number };
  /** `--force`: the nodes the targets name run even when cached. */
  force?: boolean;
}

/** The state as a test inspects it: read synchronously (the engine awaits the seams). */
export interface RigStateView {
  latestResults(): Map<string, NodeResult>;
  resultByKey(key: NodeResult['key']): NodeResult | undefined;
  runs(limit?: number): RunRecord[];
  runNodes(runId: string): RunNodeRecord[];
}

/** The content store as a test inspects and damages it. */
export interface RigStoreView {
  /** An object's bytes, verified. */
  read(digest: NodeResult['key']): Buffer;
  hasSync(digest: NodeResult['key'], size?: number): boolean;
  /** Removes an object behind the store's back. */
  drop(digest: NodeResult['key']): void;
}

type RigState = ResultStore & RunLog & VersionStore & LocalCaches & { close(): void };

export interface RigBuild {
  summary: BuildSummary;
  /** Node ids in the order the runner started them. */
  started: string[];
  events: BuildEvent[];
  graph: Graph;
  /** Files whose contents the engine read (hash or readFile) during this build, sorted. */
  reads: string[];
  /** FileHasher.reads of this build. */
  hasherReads: number;
  /** Node id → status. */
  status: Record<string, NodeStatus>;
  node(id: string): NodeSummary;
}

/**
 * Runs the real scheduler (`build()`) on fakes: a memory file system for the project, an
 * in-process runner whose task functions are registered by module path (it opens the
 * content store from the job's descriptor, as a worker does), a MemoryContentStore and a
 * MemoryState (or, with `real`/`stateFile`, a FileContentStore in a temp dir and SQLite
 * state). Each build is wired as `runBuild` wires one: a fresh hasher, code digester and
 * planner over the state's caches, caches saved after. The temp dir holds scratch
 * directories (and the data/ tree of versioned targets) either way.
 */
export class EngineRig {
  readonly fs: MemoryFileSystem;
  readonly dir: string;
  readonly #stateFile: boolean;
  readonly #real: boolean;
  readonly #tasks: Map<string, TaskFunction>;
  /** What the engine is given: the seams. */
  seams!: { store: ContentStore; state: RigState };
  /** What a test reads: the same store and state, synchronously. */
  store!: RigStoreView;
  state!: RigStateView;
  config: KfmConfig = { datasets: [] };
  /** The builds' clock: it moves only before each build, so run times and durations are exact. */
  readonly clock = new ManualClock();
  #runs = 0;

  constructor(options: RigOptions = {}, tasks: Map<string, TaskFunction> = new Map()) {
    this.fs = options.fs ?? new MemoryFileSystem();
    this.dir = tempDir();
    this.#stateFile = options.stateFile ?? false;
    this.#real = this.#stateFile || (options.real ?? false);
    this.#tasks = tasks;
    this.#open();
  }

  #open(): void {
    if (!this.#real) {
      const store = new MemoryContentStore();
      const state = new MemoryState();
      this.seams = { store, state };
      this.store = { read: (d) => store.peek(d), hasSync: (d, size) => store.peekHas(d, size), drop: (d) => store.drop(d) };
      this.state = {
        latestResults: () => state.results.peekLatestResults(),
        resultByKey: (k) => state.results.peekResultByKey(k),
        runs: (limit) => state.runLog.peekRuns(limit),
        runNodes: (runId) => state.runLog.peekRunNodes(runId),
      };
      return;
    }
    const store = new FileContentStore(join(this.dir, 'store'));
    const state = State.open(this.#stateFile ? join(this.dir, 'state.db') : ':memory:');
    this.seams = { store, state };
    this.store = { read: (d) => store.read(d), hasSync: (d, size) => store.hasSync(d, size), drop: (d) => rmSync(store.pathOf(d), { force: true }) };
    this.state = state;
  }

  /** A rig over the same files, config and task functions, with an empty store and state (of the same kind). */
  fresh(): EngineRig {
    const rig = new EngineRig({ fs: this.fs, real: this.#real }, this.#tasks);
    rig.config = this.config;
    return rig;
  }

  /** Writes a project file (path relative to the root). */
  write(rel: string, content: string | Uint8Array, options?: WriteOptions): void {
    this.fs.write(this.abs(rel), content, options);
  }

  abs(rel: string): string {
    return `${ROOT}/${rel}`;
  }

  /**
   * Registers the function that runs for tasks whose `run` is `./<rel>`; writes the module
   * file (its bytes are the task's code for the key) when `source` is given.
   */
  task(rel: string, fn: TaskFunction, source?: string): void {
    this.#tasks.set(this.abs(rel), fn);
    if (source !== undefined) this.write(rel, source);
  }

  /** An input file's text, read from the memory file system (not counted as an engine read). */
  text(input: InputFile): string {
    return this.fs.contentOf(input.absPath).toString('utf8');
  }

  analyze(): Graph {
    return analyze(this.config, KFMFILE, this.fs);
  }

  async build(options: RigBuildOptions = {}): Promise<RigBuild> {
    this.fs.advance(options.advanceClockMs ?? 1000);
    this.clock.advance(options.advanceClockMs ?? 1000);
    const graph = this.analyze();
    const { state, store } = this.seams;
    const hasher = new FileHasher(this.fs, state.statCache());
    const code = new CodeDigester(this.fs, hasher, graph.root, state.moduleImports());
    const planner = new Planner(graph, this.fs, hasher, code, store, await state.latestResults());
    const runner = new InProcessRunner((modulePath) => {
      const fn = this.#tasks.get(modulePath);
      if (!fn) throw new Error(`no task function registered for ${modulePath}`);
      return fn;
    });
    const events: BuildEvent[] = [];
    this.fs.resetReads();
    let summary: BuildSummary;
    try {
      summary = await build({
        graph,
        planner,
        targets: options.targets ?? [...graph.datasets.keys()].map((dataset) => ({ dataset, slice: undefined })),
        state,
        store,
        runner: options.runner ? options.runner(runner) : runner,
        jobs: options.jobs ?? 1,
        keepGoing: options.keepGoing ?? false,
        signal: options.signal ?? new AbortController().signal,
        onEvent: (e) => {
          events.push(e);
          options.onEvent?.(e);
        },
        scratchDir: join(this.dir, 'scratch'),
        dataDir: join(this.dir, 'data'),
        validateParams: async () => {},
        runId: `run-${String(++this.#runs).padStart(4, '0')}`,
        clock: this.clock,
        verifyDeterminism: options.verifyDeterminism,
        force: options.force ?? false,
      });
    } finally {
      state.putStatEntries(hasher.updatedEntries());
      state.putModuleImports(code.newImports());
    }
    const byId = new Map(summary.nodes.map((n) => [n.id, n]));
    return {
      summary,
      started: [...runner.started],
      events,
      graph,
      reads: this.fs.readPaths(),
      hasherReads: hasher.reads,
      status: Object.fromEntries(summary.nodes.map((n) => [n.id, n.status])),
      node(id) {
        const n = byId.get(id);
        if (!n) throw new Error(`node ${id} is not in the build summary`);
        return n;
      },
    };
  }

  /** The node's latest stored result. */
  latest(id: string): NodeResult | undefined {
    return this.state.latestResults().get(id);
  }

  /** The stored bytes of a node's output (from its latest result). */
  output(id: string, name: string): Buffer {
    const r = this.latest(id);
    const o = r?.outputs.find((x) => x.name === name);
    if (!o) throw new Error(`node ${id} has no stored output ${name}`);
    return this.store.read(o.digest);
  }

  /** Closes and reopens the state and store, as a new kfm process would (needs `stateFile`). */
  reopen(): void {
    if (!this.#stateFile) throw new Error('reopen needs a rig with stateFile: true');
    this.seams.state.close();
    this.#open();
  }

  close(): void {
    this.seams.state.close();
    if (this.seams.store instanceof MemoryContentStore) this.seams.store.dispose();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** On tmpfs when there is a writable one: the content store fsyncs every object it writes. */
function tempDir(): string {
  if (existsSync('/dev/shm')) {
    try {
      return mkdtempSync('/dev/shm/kfm-engine-');
    } catch {
      // not writable here: fall back to the OS temp dir
    }
  }
  return mkdtempSync(join(tmpdir(), 'kfm-engine-'));
}
