import { availableParallelism } from 'node:os';
import { dirname, resolve } from 'node:path';
import type { BuildSummary } from '../run/buildSummary.js';
import { ChangeDebouncer } from './changeDebouncer.js';
import { systemClock, type Clock } from '../../core/clock.js';
import { KfmError } from '../../core/error.js';
import type { BuildEvent, EventSink } from '../run/event.js';
import { chokidarWatcher, type FileWatcherFactory } from './fileWatcher.js';
import { findKfmfile } from '../load/findKfmfile.js';
import { PoolRunner } from '../schedule/poolRunner.js';
import type { RunBuildOptions } from '../run/runBuild.js';
import type { TaskRunner } from '../schedule/runner.js';
import { shownPaths } from './shownPaths.js';
import { WatchChanges } from './watchChanges.js';
import { WatchCycle } from './watchCycle.js';
import { WatchedProject } from './watchedProject.js';

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
  /** What the debounce reads time from (monotonic ms). */
  clock?: Clock;
}

export interface WatchOutcome {
  cycles: number;
  /** The signal stopped a running build (or its wait for the project lock). */
  interrupted: boolean;
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
  const emit = (e: BuildEvent) => o.onEvent(e);

  let current: WatchCycle | undefined;
  const changes: WatchChanges = new WatchChanges({
    debouncer: new ChangeDebouncer(o.debounceMs ?? WATCH_DEBOUNCE_MS, o.clock ?? systemClock),
    signal: o.signal,
    plan: () => project.plan,
    // A change that touches something: noted for the next cycle; a build it makes stale is interrupted.
    onAccept: (touched) => {
      if (touched.kfmfile) project.reloadNext();
      current?.notice(touched, () => shownPaths(root, changes.pending));
    },
  });
  const project = new WatchedProject(kfmfile, o.targets, (plan) => watcher.watch(plan), emit);
  const watcher = (o.watcher ?? chokidarWatcher)(changes.onChange, (e) => emit({ type: 'build-error', message: `watch: ${e.message}` }));
  const runner = o.runner ?? new PoolRunner(jobs);
  const build = { ...o.build, targets: o.targets, jobs, keepGoing: o.keepGoing ?? false, runner };

  const stop = () => {
    current?.abort.abort();
    changes.stop();
  };
  o.signal.addEventListener('abort', stop, { once: true });
  let cycles = 0;
  let interrupted = false;
  try {
    let paths: string[] = [];
    while (!o.signal.aborted) {
      if (cycles > 0) emit({ type: 'watch-change', paths });
      const c = (current = new WatchCycle(emit));
      let summary: BuildSummary | undefined;
      try {
        summary = await c.run(project, build);
      } finally {
        current = undefined;
      }
      cycles++;
      if (o.signal.aborted && c.interrupted(summary)) interrupted = true;
      await o.onCycleEnd?.(summary);
      if (o.signal.aborted) break;
      if (changes.pending.size === 0) emit({ type: 'watch-waiting', files: project.plan?.files ?? 0, patterns: project.plan?.patterns ?? 0 });
      paths = shownPaths(root, await changes.next());
    }
  } finally {
    o.signal.removeEventListener('abort', stop);
    await watcher.close();
    if (!o.runner) await runner.close();
    project.close();
  }
  return { cycles, interrupted };
}
