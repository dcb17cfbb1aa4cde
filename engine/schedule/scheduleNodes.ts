import type { Digest } from '../../core/digest.js';
import type { NodeResult } from '../../store/state.js';
import type { DirtyReason } from '../keys/dirtyReason.js';
import type { NodeSummary } from '../run/buildSummary.js';
import type { SkipReason } from '../run/skipReason.js';
import { checkCache, type CacheSources } from './cacheCheck.js';
import { CheckWindow } from './checkWindow.js';
import { createTaskJob, type JobSources } from './createTaskJob.js';
import { heapGuard } from './heapGuard.js';
import type { TaskFailure, TaskOutcome } from './job.js';
import { outputsDigest } from './outputsDigest.js';
import { ReadyQueue } from './readyQueue.js';
import { ResultCommitter } from './resultCommitter.js';
import { CANCEL_IF_NOT_BEGUN } from './runner.js';
import { RunningJob } from './runningJob.js';
import { SharedCacheStep } from './sharedCacheStep.js';
import { crashPoint } from '../run/crashPoint.js';
import type { ScheduleOptions, ScheduleOutcome } from './scheduleOptions.js';

export type { ScheduleOptions, ScheduleOutcome } from './scheduleOptions.js';

/** How many ready nodes' cache checks are started ahead when the head's check must be awaited. */
const CHECK_AHEAD = 64;

/** Above this many nodes in scope, the main thread's heap is kept near its live size (heapGuard). */
const HEAP_GUARD_SCOPE = 5000;

/**
 * Runs the nodes of `scope` in dependency order, each either cached (its key matches a
 * stored result whose outputs are present) or run on the runner, as many at once as the
 * runner takes (`capacity`, else `jobs`). A failure skips its dependents; without keepGoing
 * nothing new starts after it, and jobs handed to the runner but not begun are cancelled.
 * Results never depend on finishing order: a key is computed only from settled upstream outputs.
 */
export function scheduleNodes(o: ScheduleOptions): Promise<ScheduleOutcome> {
  return new NodeScheduler(o).run();
}

class NodeScheduler {
  readonly #o: ScheduleOptions;
  readonly #queue: ReadyQueue;
  readonly #committer: ResultCommitter;
  readonly #summaries = new Map<string, NodeSummary>();
  readonly #settled = new Map<string, NodeResult>();
  readonly #running = new Map<string, RunningJob>();
  readonly #capacity: number;
  readonly #jobs: JobSources;
  readonly #checks: CheckWindow;
  readonly #shared: SharedCacheStep | undefined;
  /** `setLatest` answers, awaited before the schedule ends (nothing reads them before). */
  readonly #writes: Promise<unknown>[] = [];
  #stopping = false; // a failure without keepGoing
  #failed = false;
  #wake: (() => void) | null = null;

  constructor(o: ScheduleOptions) {
    this.#o = o;
    const { graph, planner, state, store } = o;
    const given = o.given ?? new Map<string, NodeResult>();
    for (const [id, r] of given) this.#settled.set(id, r);
    this.#queue = new ReadyQueue(o.scope, (id) => graph.nodes.get(id)!.deps.filter((d) => !given.has(d)));
    this.#committer = new ResultCommitter(store, state);
    this.#capacity = Math.max(1, o.runner.capacity ?? o.jobs);
    const upstreamDigest = (d: string) => this.#settled.get(d)!.outputsDigest;
    this.#shared = o.sharedCache ? new SharedCacheStep(o.sharedCache, o) : undefined;
    const cache: CacheSources = {
      latest: planner.latest,
      resultByKey: (k) => state.resultByKey(k),
      missingOutput: (r) => planner.missingOutput(r),
      upstreamDigest,
    };
    this.#jobs = {
      graph,
      store,
      scratchDir: o.scratchDir,
      runId: o.runId,
      staticParts: (id) => planner.staticParts(id),
      latest: planner.latest,
      settled: this.#settled,
    };
    this.#checks = new CheckWindow((id) => {
      const { text, key } = planner.keyOf(id, upstreamDigest);
      const { reasons, forced } = o.assessment.get(id)!;
      const local = checkCache({ id, key, always: graph.nodes.get(id)!.always, forced, assessed: reasons[0] }, cache);
      return { key, keyDoc: text, check: this.#shared ? this.#shared.check(id, key, text, local) : local };
    }, () => this.#wakeUp());
  }

  async run(): Promise<ScheduleOutcome> {
    const { signal } = this.#o;
    const collectIfLarge = this.#o.scope.length > HEAP_GUARD_SCOPE ? heapGuard() : () => {};
    // One listener for the build, not one per job (an EventTarget's listener list is linear).
    const onAbort = () => {
      for (const r of this.#running.values()) r.abort.abort();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    this.#pump();
    while (this.#running.size > 0 || this.#checks.inFlight > 0) {
      // One wake-up promise per round, not a Promise.race over every running job: a race
      // leaves a reaction on each still-pending promise every round (quadratic time and memory).
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
      collectIfLarge();
      this.#pump();
    }
    signal.removeEventListener('abort', onAbort);
    await this.#committer.flush();
    await Promise.all(this.#writes);
    await this.#shared?.publishAll();
    const interrupted = signal.aborted;
    for (const id of this.#o.scope) {
      if (!this.#summaries.has(id)) this.#skip(id, interrupted ? { type: 'interrupted' } : { type: 'stopped-after-failure' });
    }
    return { summaries: this.#summaries, results: this.#settled, failed: this.#failed, interrupted };
  }

  /**
   * Handles ready nodes in queue order: cached ones settle at once; dirty ones start while
   * the runner has room. A check that must be awaited stops the round (the checks of the
   * next ready nodes start meanwhile); its answer wakes the loop.
   */
  #pump(): void {
    for (let id = this.#queue.peek(); id !== undefined && !(this.#stopping || this.#o.signal.aborted); id = this.#queue.peek()) {
      if (this.#summaries.has(id)) {
        this.#queue.take();
        this.#checks.done(id);
        continue;
      }
      const ready = this.#checks.answer(id);
      if (!ready) {
        this.#checks.ahead(this.#queue.ahead(CHECK_AHEAD).filter((r) => !this.#summaries.has(r)));
        break;
      }
      const { key, check } = ready;
      if (check.type === 'cached') {
        this.#queue.take();
        this.#checks.done(id);
        if (check.shared) {
          // Committed like a result that ran here: the next build finds it locally.
          this.#committer.add(check.result);
          this.#o.planner.latest.set(id, check.result);
        } else if (check.becomesLatest) {
          const w = this.#o.state.setLatest(id, key);
          // Marked handled here; run() awaits it and rethrows a failure.
          if (w instanceof Promise) this.#writes.push(w), w.catch(() => undefined);
          this.#o.planner.latest.set(id, check.result);
        }
        this.#summaries.set(id, { id, status: 'cached', key, ...(check.shared ? { shared: true as const } : {}) });
        this.#o.onEvent({ type: 'node-cached', id, key, ...(check.shared ? { shared: true as const } : {}) });
        this.#settle(id, check.result);
        continue;
      }
      if (this.#running.size >= this.#capacity) break;
      this.#queue.take();
      this.#checks.done(id);
      this.#start(id, key, ready.keyDoc, check.reason);
    }
  }

  #start(id: string, key: Digest, keyDoc: string, reason: DirtyReason): void {
    const job = new RunningJob(id, key, reason, this.#o.clock, this.#o.onEvent);
    this.#o.runner
      .run({ ...createTaskJob(id, this.#jobs), key }, job.onMessage, job.abort.signal)
      .then((outcome) => this.#finish(job, keyDoc, outcome))
      .catch((e: unknown) => {
        // A bug in the handling above must not leave the node unaccounted for.
        if (!this.#summaries.has(id)) this.#fail(id, key, { message: `internal error: ${e instanceof Error ? e.message : String(e)}` });
      })
      .finally(() => {
        this.#running.delete(id);
        this.#wakeUp();
      });
    this.#running.set(id, job);
  }

  #finish(job: RunningJob, keyDoc: string, outcome: TaskOutcome): void {
    const { id, key, reason } = job;
    job.finish();
    if (!outcome.ok && outcome.notStarted) {
      this.#skip(id, this.#o.signal.aborted ? { type: 'interrupted' } : { type: 'stopped-after-failure' });
      return;
    }
    const durationMs = job.ranForMs();
    if (this.#o.signal.aborted) return this.#fail(id, key, { message: 'interrupted' });
    if (!outcome.ok) return this.#fail(id, key, outcome.error);
    const result: NodeResult = {
      nodeId: id,
      key,
      keyDoc,
      outputs: outcome.outputs,
      outputsDigest: outputsDigest(outcome.outputs),
      meta: outcome.meta,
      runId: this.#o.runId,
      finishedAt: this.#o.clock.now().toISOString(),
      durationMs,
    };
    crashPoint('task-finished');
    this.#committer.add(result);
    this.#shared?.executed(result);
    this.#summaries.set(id, { id, status: 'executed', key, reason, durationMs });
    this.#o.onEvent({ type: 'node-done', id, key, outputs: outcome.outputs.length, durationMs });
    this.#settle(id, result);
  }

  #settle(id: string, result: NodeResult): void {
    this.#settled.set(id, result);
    this.#queue.settle(id);
  }

  #fail(id: string, key: Digest | null, error: TaskFailure): void {
    this.#summaries.set(id, { id, status: 'failed', key, error });
    const c = error.corruptUpstream;
    if (c) this.#o.onEvent({ type: 'object-corrupt', digest: c.digest, node: c.node, output: c.output, found: 'corrupt' });
    this.#o.onEvent({ type: 'node-failed', id, key, error });
    this.#failed = true;
    this.#skipDownstream(id);
    if (!this.#o.keepGoing && !this.#stopping) {
      this.#stopping = true;
      // Jobs handed to the runner but not begun do not start now.
      // (A cancel, not an interrupt: a job that did begin meanwhile runs to its end.)
      for (const r of this.#running.values()) if (!r.begun) r.abort.abort(CANCEL_IF_NOT_BEGUN);
    }
  }

  /** Skips every node downstream of the failed node `id` not yet accounted for. */
  #skipDownstream(id: string): void {
    const stack = [...this.#queue.dependentsOf(id)];
    while (stack.length > 0) {
      const d = stack.pop()!;
      if (this.#summaries.has(d)) continue;
      this.#skip(d, { type: 'upstream-failed', upstream: id });
      stack.push(...this.#queue.dependentsOf(d));
    }
  }

  #skip(id: string, because: SkipReason): void {
    this.#summaries.set(id, { id, status: 'skipped', key: null, because });
    this.#o.onEvent({ type: 'node-skipped', id, because });
  }

  #wakeUp(): void {
    const w = this.#wake;
    this.#wake = null;
    w?.();
  }
}
