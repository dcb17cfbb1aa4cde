import type { BuildSummary } from '../run/buildSummary.js';
import { KfmError } from '../../core/error.js';
import type { BuildEvent, EventSink } from '../run/event.js';
import { runBuild, type RunBuildOptions } from '../run/runBuild.js';
import { watchError } from './watchError.js';
import type { WatchedProject } from './watchedProject.js';
import type { Touched } from './watchPlan.js';

/**
 * One cycle of watch mode: a build of the project, and what a change arriving during it
 * does. The change interrupts the build (its running tasks are cancelled and rerun in the
 * next cycle) when it touches the kfmfile, or the code or inputs of a node the build has not
 * finished (or before the build has started: keys are not computed yet); that node's key was
 * computed from the old bytes. A change that touches only finished nodes lets the build
 * finish; the next cycle reruns them. Either way `watch-pending` says so, once per decision.
 */
export class WatchCycle {
  readonly abort = new AbortController();
  readonly #emit: EventSink;
  /** `build-start` was seen: keys are computed, `#scope` is known. */
  #started = false;
  readonly #scope = new Set<string>();
  /** Nodes cached, done, failed or skipped in this build. */
  readonly #finished = new Set<string>();
  /** What `watch-pending` said so far. */
  #told: 'nothing' | 'finishes' | 'interrupts' = 'nothing';
  /** The signal stopped the build's wait for the project lock. */
  #lockInterrupted = false;

  constructor(emit: EventSink) {
    this.#emit = emit;
  }

  /** The build's events, noted (what it covers, what it finished) and passed on. */
  readonly track = (e: BuildEvent): void => {
    if (e.type === 'build-start') {
      this.#started = true;
      for (const id of e.nodes) this.#scope.add(id);
    } else if (e.type === 'node-cached' || e.type === 'node-done' || e.type === 'node-failed' || e.type === 'node-skipped') {
      this.#finished.add(e.id);
    }
    this.#emit(e);
  };

  /** A change arrived while this cycle runs: says what it means (`paths`: every change pending) and interrupts when it must. */
  notice(touched: Touched, paths: () => string[]): void {
    if (this.#told === 'interrupts') return;
    const interrupt =
      touched.kfmfile || !this.#started || [...touched.nodes].some((id) => this.#scope.has(id) && !this.#finished.has(id));
    if (!interrupt && this.#told !== 'nothing') return;
    this.#told = interrupt ? 'interrupts' : 'finishes';
    this.#emit({ type: 'watch-pending', paths: paths(), interrupt });
    if (interrupt) this.abort.abort();
  }

  /**
   * Prepares the project and builds it, unless the kfmfile does not load or the cycle was
   * interrupted first: the summary, or undefined when nothing was built. A KfmError is
   * reported (`watch-error`), not thrown: the next change retries.
   */
  async run(project: WatchedProject, options: Omit<RunBuildOptions, 'signal' | 'onEvent'>): Promise<BuildSummary | undefined> {
    const p = await project.prepare();
    if (!p || this.abort.signal.aborted) return undefined;
    try {
      return await runBuild(p, { ...options, signal: this.abort.signal, onEvent: this.track });
    } catch (e) {
      if (!(e instanceof KfmError)) throw e;
      if (e.code === 'interrupted') this.#lockInterrupted = true;
      else this.#emit(watchError(e));
      return undefined;
    }
  }

  /** Whether the abort stopped this cycle's build (or its wait for the project lock). */
  interrupted(summary: BuildSummary | undefined): boolean {
    return summary?.status === 'interrupted' || this.#lockInterrupted;
  }
}
