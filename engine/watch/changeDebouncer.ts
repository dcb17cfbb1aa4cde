import { systemClock, type Clock } from '../../core/clock.js';

/**
 * Coalesces the changes watch mode receives into batches, one per cycle: a batch is due once
 * no change has arrived for `debounceMs` (editors save in bursts: temp file, rename, chmod).
 * Paths that only an input glob could make count ("candidates") are held until the caller
 * has checked them; while any is unchecked no batch is due, since one of them may belong in
 * it. Time is read from the clock (monotonic); the caller owns the timers.
 */
export class ChangeDebouncer {
  readonly debounceMs: number;
  readonly #clock: Clock;
  readonly #pending = new Set<string>();
  #lastChangeAt = 0;
  readonly #candidates = new Set<string>();
  #lastCandidateAt = 0;

  constructor(debounceMs: number, clock: Clock = systemClock) {
    this.debounceMs = debounceMs;
    this.#clock = clock;
  }

  /** Changed paths noted and not yet taken. */
  get pending(): ReadonlySet<string> {
    return this.#pending;
  }

  /** Unchecked candidates. */
  get candidates(): number {
    return this.#candidates.size;
  }

  /** Notes a change that counts, made at `at` (monotonic ms; now by default). */
  add(path: string, at: number = this.#clock.monotonicMs()): void {
    this.#pending.add(path);
    this.#lastChangeAt = Math.max(this.#lastChangeAt, at);
  }

  /** Notes a path only an input glob could make count: it waits for `takeCandidates`. */
  addCandidate(path: string): void {
    this.#candidates.add(path);
    this.#lastCandidateAt = this.#clock.monotonicMs();
  }

  /**
   * The unchecked candidates (cleared), and when the last of them arrived: a candidate that
   * counts is `add`ed with that time, so the quiet period runs from the change, not its check.
   */
  takeCandidates(): { paths: string[]; at: number } {
    const paths = [...this.#candidates];
    this.#candidates.clear();
    return { paths, at: this.#lastCandidateAt };
  }

  /**
   * Milliseconds until the pending changes make a batch (0: due now); undefined when there
   * is nothing to wait for by time (no change pending, or candidates still unchecked).
   */
  dueIn(): number | undefined {
    if (this.#pending.size === 0 || this.#candidates.size > 0) return undefined;
    const quiet = this.#clock.monotonicMs() - this.#lastChangeAt;
    return Math.max(0, this.debounceMs - quiet);
  }

  /** The batch, when due: the changed paths (then cleared); undefined before. */
  take(): string[] | undefined {
    if (this.dueIn() !== 0) return undefined;
    const paths = [...this.#pending];
    this.#pending.clear();
    return paths;
  }
}
