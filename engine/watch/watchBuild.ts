import { availableParallelism } from 'node:os';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import type { BuildSummary } from '../run/buildSummary.js';
import { CodeDigester } from '../keys/codeDigest.js';
import type { Digest } from '../../core/digest.js';
import { KfmError } from '../../core/error.js';
import type { BuildEvent, EventSink } from '../run/event.js';
import { FileHasher } from '../keys/fileHasher.js';
import { type StatEntry } from '../../core/fs.js';
import { chokidarWatcher, type FileWatcherFactory } from './fileWatcher.js';
import { findKfmfile } from '../load/findKfmfile.js';
import { compareCodePoints, nodeFileSystem } from '../../core/fs.js';
import { PoolRunner } from '../schedule/poolRunner.js';
import { Project, loadGraph } from '../load/project.js';
import { runBuild, type RunBuildOptions } from '../run/runBuild.js';
import type { TaskRunner } from '../schedule/runner.js';
import { parseTarget } from '../graph/target.js';
import { brokenKfmfilePlan, scopeOf, watchPlanFor, type Touched, type WatchPlan } from './watchPlan.js';

/** A cycle starts this long after the last change (editors save in bursts: temp file, rename, chmod). */
export const WATCH_DEBOUNCE_MS = 120;

export interface WatchBuildOptions {
  /** Where the kfmfile is: `file`, or found walking up from `cwd` (as for `loadGraph`). */
  project: { cwd?: string; file?: string };
  targets: string[];
  jobs?: number;
  keepGoing?: boolean;
  /** Aborting it ends watch mode: a running build is interrupted, then the watcher and the pool are closed. */
  signal: AbortSignal;
  onEvent: EventSink;
  /** Awaited after each cycle, before watching resumes: the build's summary, or undefined when the cycle built nothing. */
  onCycleEnd?: (summary: BuildSummary | undefined) => void | Promise<void>;
  /** More options for each cycle's `runBuild` (who receipts name, …). */
  build?: Omit<RunBuildOptions, 'targets' | 'jobs' | 'keepGoing' | 'signal' | 'onEvent' | 'runner'>;
  /** A runner to use instead of a worker pool (not closed here). */
  runner?: TaskRunner;
  watcher?: FileWatcherFactory;
  debounceMs?: number;
}

export interface WatchOutcome {
  cycles: number;
  /** The signal stopped a running build (or its wait for the project lock). */
  interrupted: boolean;
}

/** The cycle in progress, as far as a change arriving now needs to know. */
interface Cycle {
  abort: AbortController;
  /** `build-start` was seen: keys are computed, `scope` is known. */
  started: boolean;
  scope: Set<string>;
  /** Nodes cached, done, failed or skipped in this build. */
  finished: Set<string>;
  /** What `watch-pending` said so far. */
  told: 'nothing' | 'finishes' | 'interrupts';
  lockInterrupted: boolean;
}

/**
 * `kfm build --watch` as a library call: builds, then watches what the build depends on
 * (see `WatchPlan`) and builds again after each change, until `signal` aborts. Each cycle is
 * a normal incremental build (`runBuild`): unaffected nodes are cached. One worker pool
 * serves every cycle; a changed task module is imported afresh (its code digest is in the
 * URL the worker imports). A change to the kfmfile or its imports reloads the graph; one
 * that does not load is reported (`watch-error`) and the next change retries.
 *
 * A change during a build interrupts it (its running tasks are cancelled and rerun in the
 * next cycle) when it touches the kfmfile, or the code or inputs of a node the build has not
 * finished: that node's key was computed from the old bytes. A change that touches only
 * finished nodes lets the build finish; the next cycle reruns them.
 */
export async function watchBuild(o: WatchBuildOptions): Promise<WatchOutcome> {
  const cwd = resolve(o.project.cwd ?? process.cwd());
  const kfmfile = o.project.file !== undefined ? resolve(cwd, o.project.file) : findKfmfile(cwd);
  if (!kfmfile) throw new KfmError('kfmfile', `no kfmfile.ts found in ${cwd} or any parent directory`);
  const root = dirname(kfmfile);
  const jobs = Math.max(1, o.jobs ?? availableParallelism());
  const debounceMs = o.debounceMs ?? WATCH_DEBOUNCE_MS;

  // Caches for computing watch plans, kept in memory across cycles (the build keeps its own).
  const statCache = new Map<string, StatEntry>();
  const importCache = new Map<Digest, string[]>();
  const withCode = async <T>(f: (code: CodeDigester) => Promise<T>): Promise<T> => {
    const hasher = new FileHasher(nodeFileSystem, statCache);
    try {
      return await f(new CodeDigester(nodeFileSystem, hasher, root, importCache));
    } finally {
      for (const e of hasher.updatedEntries()) statCache.set(e.path, e);
    }
  };

  const pending = new Set<string>();
  let lastChangeAt = 0;
  let wake: (() => void) | undefined;
  let plan: WatchPlan | undefined;
  let reload = true;
  let current: Cycle | undefined;

  const emit = (e: BuildEvent) => o.onEvent(e);
  const shown = () => [...pending].map((p) => shownPath(root, p)).sort(compareCodePoints);

  /** A change that touches something: noted for the next cycle; a build it makes stale is interrupted. */
  const accept = (path: string, touched: Touched, at: number) => {
    pending.add(path);
    lastChangeAt = Math.max(lastChangeAt, at);
    if (touched.kfmfile) reload = true;
    const c = current;
    if (c && c.told !== 'interrupts') {
      const interrupt = touched.kfmfile || !c.started || [...touched.nodes].some((id) => c.scope.has(id) && !c.finished.has(id));
      if (interrupt || c.told === 'nothing') {
        c.told = interrupt ? 'interrupts' : 'finishes';
        emit({ type: 'watch-pending', paths: shown(), interrupt });
        if (interrupt) c.abort.abort();
      }
    }
    wake?.();
  };

  // Paths only an input glob could make count: checked in batches (a glob runs once per batch,
  // not once per event of a directory copied in). A new match cannot make a running build
  // wrong: its nodes' input lists were fixed when it started.
  const candidates = new Set<string>();
  let lastCandidateAt = 0;
  let candidateTimer: NodeJS.Timeout | undefined;
  const checkCandidates = () => {
    clearTimeout(candidateTimer);
    candidateTimer = undefined;
    const batch = [...candidates];
    candidates.clear();
    if (!plan || o.signal.aborted) return;
    const results = new Map<string, Set<string>>();
    for (const path of batch) {
      const nodes = plan.touchedByGlob(path, results);
      if (nodes.size > 0) accept(path, { kfmfile: false, nodes }, lastCandidateAt);
    }
    wake?.();
  };

  const onChange = (path: string, removedDirectory: boolean) => {
    if (o.signal.aborted || !plan) return;
    const touched = plan.touchedByName(path, removedDirectory);
    if (touched.kfmfile || touched.nodes.size > 0) {
      accept(path, touched, Date.now());
    } else if (plan.underGlob(path)) {
      candidates.add(path);
      lastCandidateAt = Date.now();
      clearTimeout(candidateTimer);
      candidateTimer = setTimeout(checkCandidates, debounceMs);
    }
  };
  const watcher = (o.watcher ?? chokidarWatcher)(onChange, (e) => emit({ type: 'build-error', message: `watch: ${e.message}` }));
  const runner = o.runner ?? new PoolRunner(jobs);
  let project: Project | undefined;

  /** Loads the graph when needed and updates the plan; undefined (after a `watch-error`) when it does not load. */
  const prepare = async (): Promise<Project | undefined> => {
    try {
      if (reload || !project) {
        reload = false;
        const graph = await loadGraph({ file: kfmfile, fresh: project !== undefined || plan !== undefined });
        project?.close();
        project = undefined;
        project = new Project(graph);
      }
      const graph = project.graph;
      const scope = scopeOf(graph, o.targets.map((t) => parseTarget(t, graph).dataset));
      plan = await withCode((code) => watchPlanFor(graph, scope, code));
      await watcher.watch(plan);
      return project;
    } catch (e) {
      if (!(e instanceof KfmError)) throw e;
      reload = true;
      emit(watchError(e));
      const previous = plan;
      plan = await withCode((code) => brokenKfmfilePlan(kfmfile, code, previous));
      await watcher.watch(plan);
      return undefined;
    }
  };

  const build = async (c: Cycle): Promise<BuildSummary | undefined> => {
    const p = await prepare();
    if (!p || c.abort.signal.aborted) return undefined;
    const track: EventSink = (e) => {
      if (e.type === 'build-start') {
        c.started = true;
        for (const id of e.nodes) c.scope.add(id);
      } else if (e.type === 'node-cached' || e.type === 'node-done' || e.type === 'node-failed' || e.type === 'node-skipped') {
        c.finished.add(e.id);
      }
      emit(e);
    };
    try {
      return await runBuild(p, {
        ...o.build,
        targets: o.targets,
        jobs,
        keepGoing: o.keepGoing ?? false,
        signal: c.abort.signal,
        onEvent: track,
        runner,
      });
    } catch (e) {
      if (!(e instanceof KfmError)) throw e;
      if (e.code === 'interrupted') c.lockInterrupted = true;
      else emit(watchError(e));
      return undefined;
    }
  };

  /** Resolves with the changed paths once changes have stopped for `debounceMs`; with none when stopped. */
  const nextChanges = async (): Promise<string[]> => {
    for (;;) {
      if (o.signal.aborted) return [];
      const quiet = Date.now() - lastChangeAt;
      // Glob candidates still unchecked may count: their check wakes this loop.
      if (pending.size > 0 && quiet >= debounceMs && candidates.size === 0) {
        const paths = shown();
        pending.clear();
        return paths;
      }
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        wake = resolve;
        if (pending.size > 0 && candidates.size === 0) timer = setTimeout(resolve, debounceMs - quiet);
      });
      clearTimeout(timer);
      wake = undefined;
    }
  };

  const stop = () => {
    clearTimeout(candidateTimer);
    current?.abort.abort();
    wake?.();
  };
  o.signal.addEventListener('abort', stop, { once: true });
  let cycles = 0;
  let interrupted = false;
  try {
    let paths: string[] = [];
    while (!o.signal.aborted) {
      if (cycles > 0) emit({ type: 'watch-change', paths });
      const c: Cycle = { abort: new AbortController(), started: false, scope: new Set(), finished: new Set(), told: 'nothing', lockInterrupted: false };
      current = c;
      let summary: BuildSummary | undefined;
      try {
        summary = await build(c);
      } finally {
        current = undefined;
      }
      cycles++;
      if (o.signal.aborted && (summary?.status === 'interrupted' || c.lockInterrupted)) interrupted = true;
      await o.onCycleEnd?.(summary);
      if (o.signal.aborted) break;
      if (pending.size === 0) emit({ type: 'watch-waiting', files: plan?.files ?? 0, patterns: plan?.patterns ?? 0 });
      paths = await nextChanges();
    }
  } finally {
    o.signal.removeEventListener('abort', stop);
    await watcher.close();
    if (!o.runner) await runner.close();
    project?.close();
  }
  return { cycles, interrupted };
}

function watchError(e: KfmError): BuildEvent {
  return { type: 'watch-error', code: e.code, message: e.message, ...(e.location ? { location: e.location } : {}) };
}

/** Project-relative with `/`; absolute outside the project. */
function shownPath(root: string, path: string): string {
  const rel = relative(root, path);
  return rel.startsWith('..') || isAbsolute(rel) ? path : rel.split(sep).join('/');
}
