import type { Digest } from '../../core/digest.js';
import type { Awaitable } from '../../store/awaitable.js';
import type { CacheCheck } from './cacheCheck.js';

/** A ready node's key and its cache check, once answered. */
export interface ReadyCheck {
  key: Digest;
  keyDoc: string;
  check: CacheCheck;
}

interface Slot {
  key: Digest;
  keyDoc: string;
  check?: CacheCheck;
  error?: { error: unknown };
}

/**
 * The cache checks of ready nodes (checkCache), which may need a round trip to the state or
 * the store. The scheduler asks for the check of the queue's head; when it is answered at
 * once (the common case: nothing to look up, or local sources) it is used at once, as a
 * synchronous check would be. When it is not, the scheduler starts the checks of the next
 * ready nodes too (`ahead`), so they are answered in parallel, and waits: each answer wakes
 * it (`wake`, the scheduler's one wake-up per round). Answers are always used in queue
 * order, so the order nodes are cached or started in never depends on which answer came first.
 */
export class CheckWindow {
  readonly #slots = new Map<string, Slot>();
  readonly #start: (id: string) => { key: Digest; keyDoc: string; check: Awaitable<CacheCheck> };
  readonly #wake: () => void;
  #inFlight = 0;

  constructor(start: (id: string) => { key: Digest; keyDoc: string; check: Awaitable<CacheCheck> }, wake: () => void) {
    this.#start = start;
    this.#wake = wake;
  }

  /** Checks not answered yet. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** The node's answered check (started now if it was not), or undefined while it is awaited. A failed check throws. */
  answer(id: string): ReadyCheck | undefined {
    const slot = this.#slots.get(id) ?? this.#open(id);
    if (slot.error) throw slot.error.error;
    return slot.check ? { key: slot.key, keyDoc: slot.keyDoc, check: slot.check } : undefined;
  }

  /** Starts the checks of these ready nodes that have none yet. */
  ahead(ids: readonly string[]): void {
    for (const id of ids) if (!this.#slots.has(id)) this.#open(id);
  }

  /** The node left the queue: its check is no longer needed. */
  done(id: string): void {
    this.#slots.delete(id);
  }

  #open(id: string): Slot {
    const { key, keyDoc, check } = this.#start(id);
    const slot: Slot = { key, keyDoc };
    this.#slots.set(id, slot);
    if (!(check instanceof Promise)) {
      slot.check = check;
      return slot;
    }
    this.#inFlight++;
    check.then(
      (answered) => {
        slot.check = answered;
      },
      (error: unknown) => {
        slot.error = { error };
      },
    ).finally(() => {
      this.#inFlight--;
      this.#wake();
    });
    return slot;
  }
}
