import { ChangeDebouncer } from './changeDebouncer.js';
import type { Touched, WatchPlan } from './watchPlan.js';

export interface WatchChangesOptions {
  debouncer: ChangeDebouncer;
  /** Ends watching: changes after it are ignored, and `next` resolves with none. */
  signal: AbortSignal;
  /** The plan that says what a change touches (undefined before the first one). */
  plan: () => WatchPlan | undefined;
  /** A change that touches something, just noted: its path is among `pending`. */
  onAccept: (touched: Touched) => void;
}

/**
 * The changes watch mode receives, from the file watcher to the next cycle: each is judged
 * by the current plan, noted in the debouncer, and handed out in batches by `next`. A path
 * only an input glob could make count is checked in a batch `debounceMs` after the last such
 * path (a glob runs once per batch, not once per event of a directory copied in). A new match
 * cannot make a running build wrong: its nodes' input lists were fixed when it started.
 */
export class WatchChanges {
  readonly #debouncer: ChangeDebouncer;
  readonly #signal: AbortSignal;
  readonly #plan: () => WatchPlan | undefined;
  readonly #onAccept: (touched: Touched) => void;
  #wake: (() => void) | undefined;
  #candidateTimer: NodeJS.Timeout | undefined;

  constructor(o: WatchChangesOptions) {
    this.#debouncer = o.debouncer;
    this.#signal = o.signal;
    this.#plan = o.plan;
    this.#onAccept = o.onAccept;
  }

  /** Changed paths noted for the next cycle. */
  get pending(): ReadonlySet<string> {
    return this.#debouncer.pending;
  }

  /** A file watcher's report (its `onChange`): a file added, changed or removed, or a directory removed. */
  readonly onChange = (path: string, removedDirectory: boolean): void => {
    const plan = this.#plan();
    if (this.#signal.aborted || !plan) return;
    const touched = plan.touchedByName(path, removedDirectory);
    if (touched.kfmfile || touched.nodes.size > 0) {
      this.#accept(path, touched);
    } else if (plan.underGlob(path)) {
      this.#debouncer.addCandidate(path);
      clearTimeout(this.#candidateTimer);
      this.#candidateTimer = setTimeout(this.#checkCandidates, this.#debouncer.debounceMs);
    }
  };

  /** Resolves with the changed paths once changes have stopped for `debounceMs`; with none when stopped. */
  async next(): Promise<string[]> {
    for (;;) {
      if (this.#signal.aborted) return [];
      // Glob candidates still unchecked may count: their check wakes this loop.
      const paths = this.#debouncer.take();
      if (paths) return paths;
      const due = this.#debouncer.dueIn();
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        if (due !== undefined) timer = setTimeout(resolve, due);
      });
      clearTimeout(timer);
      this.#wake = undefined;
    }
  }

  /** Watching ends: no candidate check is left pending, and a waiting `next` looks at the signal. */
  stop(): void {
    clearTimeout(this.#candidateTimer);
    this.#wake?.();
  }

  #accept(path: string, touched: Touched, at?: number): void {
    this.#debouncer.add(path, at);
    this.#onAccept(touched);
    this.#wake?.();
  }

  readonly #checkCandidates = (): void => {
    clearTimeout(this.#candidateTimer);
    this.#candidateTimer = undefined;
    const { paths, at } = this.#debouncer.takeCandidates();
    const plan = this.#plan();
    if (!plan || this.#signal.aborted) return;
    const results = new Map<string, Set<string>>();
    for (const path of paths) {
      const nodes = plan.touchedByGlob(path, results);
      if (nodes.size > 0) this.#accept(path, { kfmfile: false, nodes }, at);
    }
    this.#wake?.();
  };
}
