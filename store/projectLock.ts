import Database from 'better-sqlite3';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KfmError } from '../core/error.js';
import type { Awaitable } from './awaitable.js';

/** How many polls a waiter waits for the holder to name itself before calling it `another kfm process`. */
const HOLDER_GRACE_POLLS = 5;

export interface LockHolder {
  pid: number;
  command: string;
  started_at: string;
}

export interface AcquireOptions {
  /** Give up after this long (a KfmError `lock` naming the holder). Default: wait forever. */
  timeoutMs?: number;
  /** How often an implementation that polls tries again (default 200). */
  pollMs?: number;
  /** Aborted (Ctrl-C): the wait ends at once with a KfmError `interrupted`. */
  signal?: AbortSignal;
}

/**
 * One writer at a time per project: the seam the file lock, MemoryProjectLock and (later) a
 * PostgreSQL advisory lock implement. A lock object is one handle: it holds the lock or not.
 */
export interface ProjectLock {
  /**
   * Takes the lock, waiting while another handle holds it: `onWait` is called once, with a
   * description of the holder, when the lock is busy. Rejects with a KfmError `lock` on
   * timeout, `interrupted` when the signal aborts; either way nothing is held. Acquiring a
   * lock this handle already holds is a KfmError `lock`.
   */
  acquire(command: string, onWait: (holder: string) => void, options?: AcquireOptions): Promise<void>;
  /** Lets the lock go (a no-op when not held); a waiting handle can then take it. */
  release(): Awaitable<void>;
  /** Releases and frees the handle. */
  close(): Awaitable<void>;
}

/**
 * One build at a time per project. The lock is an exclusive SQLite transaction on
 * `.kfm/lock.db`: an OS file lock, released by the kernel when the holder exits, even on
 * SIGKILL, so a dead build never leaves a stale lock. `.kfm/lock.holder` says who holds it.
 * `tryAcquire` and `describeHolder` are its synchronous extras (the no-op build's fast path).
 */
export class FileProjectLock implements ProjectLock {
  readonly #db: Database.Database;
  readonly #holderPath: string;
  #held = false;

  constructor(kfmDir: string) {
    this.#db = new Database(join(kfmDir, 'lock.db'));
    this.#db.pragma('busy_timeout = 0');
    this.#holderPath = join(kfmDir, 'lock.holder');
  }

  /** Takes the lock if free. */
  tryAcquire(command: string): boolean {
    if (this.#held) throw new KfmError('lock', 'this handle already holds the project lock');
    try {
      this.#db.exec('BEGIN EXCLUSIVE');
    } catch (e) {
      if ((e as { code?: string }).code === 'SQLITE_BUSY') return false;
      throw e;
    }
    this.#held = true;
    const holder: LockHolder = { pid: process.pid, command, started_at: new Date().toISOString() };
    // Written whole (a temp file renamed into place): a waiter never reads half of it.
    const tmp = `${this.#holderPath}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(holder) + '\n');
    renameSync(tmp, this.#holderPath);
    return true;
  }

  /**
   * Waits for the lock, calling `onWait` once with the holder when it is busy. An aborted
   * `signal` (Ctrl-C) ends the wait at once with an `interrupted` error.
   *
   * A holder writes `lock.holder` just after it takes the lock, so a waiter can find the lock
   * taken and no holder named yet: it then waits a few polls for the name before it says
   * `another kfm process`.
   */
  async acquire(command: string, onWait: (holder: string) => void, options: AcquireOptions = {}): Promise<void> {
    const poll = options.pollMs ?? 200;
    const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
    const { signal } = options;
    let told = false;
    let unnamed = 0;
    while (!this.tryAcquire(command)) {
      if (!told) {
        const holder = this.#readHolder();
        if (holder !== undefined || ++unnamed > HOLDER_GRACE_POLLS) {
          onWait(holder ?? 'another kfm process');
          told = true;
        }
      }
      if (signal?.aborted) throw new KfmError('interrupted', 'interrupted while waiting for the project lock');
      if (Date.now() > deadline) {
        throw new KfmError('lock', `timed out waiting for the project lock held by ${this.describeHolder()}`);
      }
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, poll);
        signal?.addEventListener('abort', done, { once: true });
      });
      if (signal?.aborted) throw new KfmError('interrupted', 'interrupted while waiting for the project lock');
    }
  }

  describeHolder(): string {
    return this.#readHolder() ?? 'another kfm process';
  }

  /** The holder `lock.holder` names, if it names one. */
  #readHolder(): string | undefined {
    try {
      const h = JSON.parse(readFileSync(this.#holderPath, 'utf8')) as LockHolder;
      return `${h.command} (pid ${h.pid}, since ${h.started_at})`;
    } catch {
      return undefined;
    }
  }

  release(): void {
    if (!this.#held) return;
    this.#held = false;
    // Still holding the lock: no one else is writing the file. A killed holder leaves its
    // file, and the next holder replaces it.
    rmSync(this.#holderPath, { force: true });
    this.#db.exec('ROLLBACK');
  }

  close(): void {
    this.release();
    this.#db.close();
  }
}
