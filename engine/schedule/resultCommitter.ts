import type { ContentStore } from '../../store/contentStore.js';
import type { NodeResult, ResultStore } from '../../store/state.js';
import { crashPoint } from '../run/crashPoint.js';

/** Results recorded per transaction, and the longest a finished node waits to be recorded. */
export const COMMIT_GROUP = 512;
export const COMMIT_INTERVAL_MS = 200;

/** Starts `fn` after `ms`; returns what cancels it. A seam so tests fire timers by hand. */
export type ScheduleTimer = (fn: () => void, ms: number) => () => void;

const realTimer: ScheduleTimer = (fn, ms) => {
  const t = setTimeout(fn, ms);
  return () => clearTimeout(t);
};

export interface ResultCommitterOptions {
  /** Default COMMIT_GROUP. */
  group?: number;
  /** Default COMMIT_INTERVAL_MS. */
  intervalMs?: number;
  /** Default setTimeout. */
  timer?: ScheduleTimer;
}

/**
 * Records finished nodes' results in groups (group commit): the store's file system is
 * flushed once for the group's outputs (`flush`: made durable, in the background), then the
 * group is written in one transaction (`putResults`), each awaited. Dependents do not wait for it.
 * A group is committed when it reaches `group` results, or `intervalMs` after its first
 * result; one commit runs at a time, in the order the results were added.
 */
export class ResultCommitter {
  readonly #store: Pick<ContentStore, 'flush'>;
  readonly #state: Pick<ResultStore, 'putResults'>;
  readonly #group: number;
  readonly #intervalMs: number;
  readonly #timer: ScheduleTimer;
  #uncommitted: NodeResult[] = [];
  #committing: Promise<void> | null = null;
  #cancelTimer: (() => void) | null = null;
  #failure: { error: unknown } | null = null;

  constructor(store: Pick<ContentStore, 'flush'>, state: Pick<ResultStore, 'putResults'>, options: ResultCommitterOptions = {}) {
    this.#store = store;
    this.#state = state;
    this.#group = options.group ?? COMMIT_GROUP;
    this.#intervalMs = options.intervalMs ?? COMMIT_INTERVAL_MS;
    this.#timer = options.timer ?? realTimer;
  }

  /** Results added and not yet committed (a commit under way counts as committed). */
  get uncommitted(): number {
    return this.#uncommitted.length;
  }

  add(result: NodeResult): void {
    this.#uncommitted.push(result);
    this.#schedule();
  }

  /** Commits everything added, waiting for a commit under way; rethrows the first commit's error. */
  async flush(): Promise<void> {
    while (this.#committing || this.#uncommitted.length > 0) await (this.#committing ?? this.#commit());
    if (this.#failure) throw this.#failure.error;
  }

  #schedule(): void {
    if (this.#uncommitted.length >= this.#group) void this.#commit();
    else this.#cancelTimer ??= this.#timer(() => void this.#commit(), this.#intervalMs);
  }

  #commit(): Promise<void> {
    if (this.#cancelTimer) {
      this.#cancelTimer();
      this.#cancelTimer = null;
    }
    if (this.#committing || this.#uncommitted.length === 0) return this.#committing ?? Promise.resolve();
    const group = this.#uncommitted;
    this.#uncommitted = [];
    this.#committing = this.#store
      .flush(group.flatMap((r) => r.outputs.map((out) => out.digest)))
      .then(() => this.#state.putResults(group))
      .then(() => crashPoint('results-committed'))
      .catch((error: unknown) => {
        this.#failure ??= { error };
      })
      .finally(() => {
        this.#committing = null;
        if (this.#uncommitted.length > 0) this.#schedule();
      });
    return this.#committing;
  }
}
