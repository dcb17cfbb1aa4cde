import { KfmError } from '../../core/error.js';
import type { AcquireOptions, ProjectLock } from '../projectLock.js';

interface Slot {
  holder: { handle: MemoryProjectLock; description: string } | undefined;
  /** Handles waiting, first come first served: each is woken to try again on a release. */
  waiters: (() => void)[];
}

/** Every lock name's slot, process-wide: handles of one name contend, as handles of one project's lock file do. */
const slots = new Map<string, Slot>();

/**
 * The ProjectLock fake: handles with the same name exclude each other within this process.
 * No polling: a release wakes the waiters, the first of which takes the lock. `now` stamps
 * the holder description (`<command> (in-memory lock <name>, since <iso>)`).
 */
export class MemoryProjectLock implements ProjectLock {
  readonly name: string;
  readonly #now: () => Date;
  #closed = false;

  constructor(name = 'project', options: { now?: () => Date } = {}) {
    this.name = name;
    this.#now = options.now ?? (() => new Date());
  }

  get held(): boolean {
    return this.#slot().holder?.handle === this;
  }

  /** Takes the lock if free. */
  tryAcquire(command: string): boolean {
    if (this.#closed) throw new Error('the lock handle is closed');
    const slot = this.#slot();
    if (slot.holder?.handle === this) throw new KfmError('lock', 'this handle already holds the project lock');
    if (slot.holder) return false;
    slot.holder = { handle: this, description: `${command} (in-memory lock ${this.name}, since ${this.#now().toISOString()})` };
    return true;
  }

  /** Who holds the lock, or `nobody`. */
  describeHolder(): string {
    return this.#slot().holder?.description ?? 'nobody';
  }

  async acquire(command: string, onWait: (holder: string) => void, options: AcquireOptions = {}): Promise<void> {
    if (this.tryAcquire(command)) return;
    onWait(this.describeHolder());
    const { signal } = options;
    const slot = this.#slot();
    await new Promise<void>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const finish = (error?: KfmError) => {
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        const i = slot.waiters.indexOf(wake);
        if (i >= 0) slot.waiters.splice(i, 1);
        if (error) reject(error);
        else resolve();
      };
      const wake = () => {
        if (this.tryAcquire(command)) finish();
      };
      const onAbort = () => finish(new KfmError('interrupted', 'interrupted while waiting for the project lock'));
      if (signal?.aborted) return onAbort();
      slot.waiters.push(wake);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (options.timeoutMs !== undefined) {
        timer = setTimeout(() => finish(new KfmError('lock', `timed out waiting for the project lock held by ${this.describeHolder()}`)), options.timeoutMs);
      }
    });
  }

  release(): void {
    const slot = this.#slot();
    if (slot.holder?.handle !== this) return;
    slot.holder = undefined;
    // Wake waiters in order until one holds it (a woken waiter that loses stays queued).
    for (const wake of [...slot.waiters]) {
      wake();
      if (slot.holder) break;
    }
  }

  close(): void {
    this.release();
    this.#closed = true;
  }

  #slot(): Slot {
    let slot = slots.get(this.name);
    if (!slot) slots.set(this.name, (slot = { holder: undefined, waiters: [] }));
    return slot;
  }
}
