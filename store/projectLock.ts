import Database from 'better-sqlite3';
import { readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KfmError } from '../core/error.js';
import type { Awaitable } from './awaitable.js';

/** How many polls a waiter waits for the holder to name itself before calling it `another kfm process`. */
const HOLDER_GRACE_POLLS = 5;

export interface LockHolder {
  pid: number;
  command: string;
  started_at: string;
  /** The inode of the `lock.db` the holder locked: a waiter that finds another one there knows the file was replaced. */
  lock_ino?: number;
}

/** How often a holder checks that `.kfm/lock.db` is still the file it locked (ms). */
const GUARD_MS = 250;

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
  #db: Database.Database;
  /** Lock files this holder locked and that were deleted from under it (still locked, still open). */
  readonly #orphans: Database.Database[] = [];
  readonly #dbPath: string;
  readonly #holderPath: string;
  #held = false;
  #holder: LockHolder | undefined;
  #guard: NodeJS.Timeout | undefined;

  constructor(kfmDir: string) {
    this.#dbPath = join(kfmDir, 'lock.db');
    this.#holderPath = join(kfmDir, 'lock.holder');
    this.#db = this.#open();
  }

  #open(): Database.Database {
    try {
      const db = new Database(this.#dbPath);
      db.pragma('busy_timeout = 0');
      return db;
    } catch (e) {
      throw lockFileError(e);
    }
  }

  /**
   * Takes the lock if free. Free means: this process got the exclusive transaction on
   * `.kfm/lock.db`, and `lock.holder` does not name a live process that locked another
   * `lock.db` (one deleted or replaced while it held it: the lock is still its).
   */
  tryAcquire(command: string): boolean {
    if (this.#held) throw new KfmError('lock', 'this handle already holds the project lock');
    if (!this.#begin(this.#db)) return false;
    const ino = inodeOf(this.#dbPath);
    const previous = this.#readHolderRecord();
    if (previous && previous.pid !== process.pid && previous.lock_ino !== undefined && previous.lock_ino !== ino && isAlive(previous.pid)) {
      this.#db.exec('ROLLBACK');
      return false;
    }
    this.#held = true;
    this.#holder = { pid: process.pid, command, started_at: new Date().toISOString(), ...(ino !== undefined ? { lock_ino: ino } : {}) };
    this.#writeHolder();
    this.#guard = setInterval(() => this.#keep(), GUARD_MS);
    this.#guard.unref();
    return true;
  }

  #begin(db: Database.Database): boolean {
    try {
      db.exec('BEGIN EXCLUSIVE');
      return true;
    } catch (e) {
      if ((e as { code?: string }).code === 'SQLITE_BUSY') return false;
      throw lockFileError(e);
    }
  }

  #writeHolder(): void {
    // Written whole (a temp file renamed into place): a waiter never reads half of it.
    const tmp = `${this.#holderPath}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.#holder) + '\n');
    renameSync(tmp, this.#holderPath);
  }

  /**
   * While held: if `lock.db` was deleted or replaced, lock the new file too (keeping the old
   * one locked) and name it in `lock.holder`; if `lock.holder` was deleted, write it again.
   * A build started meanwhile finds a live holder of another lock file and waits.
   */
  #keep(): void {
    if (!this.#held || !this.#holder) return;
    try {
      const ino = inodeOf(this.#dbPath);
      if (ino !== this.#holder.lock_ino) {
        const db = this.#open();
        if (this.#begin(db)) {
          this.#orphans.push(this.#db);
          this.#db = db;
          this.#holder = { ...this.#holder, ...(inodeOf(this.#dbPath) !== undefined ? { lock_ino: inodeOf(this.#dbPath)! } : {}) };
        } else db.close();
        this.#writeHolder();
      } else if (this.#readHolderRecord()?.pid !== process.pid) {
        this.#writeHolder();
      }
    } catch {
      // The guard only repairs; the build it protects goes on (the next tick tries again).
    }
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
    const h = this.#readHolderRecord();
    return h ? `${h.command} (pid ${h.pid}, since ${h.started_at})` : undefined;
  }

  #readHolderRecord(): LockHolder | undefined {
    try {
      const h = JSON.parse(readFileSync(this.#holderPath, 'utf8')) as LockHolder;
      return typeof h === 'object' && h !== null && typeof h.pid === 'number' ? h : undefined;
    } catch {
      return undefined;
    }
  }

  release(): void {
    if (!this.#held) return;
    this.#held = false;
    clearInterval(this.#guard);
    this.#guard = undefined;
    // Still holding the lock: no one else is writing the file. A killed holder leaves its
    // file, and the next holder replaces it.
    rmSync(this.#holderPath, { force: true });
    this.#db.exec('ROLLBACK');
    for (const db of this.#orphans.splice(0)) db.close();
    this.#holder = undefined;
  }

  close(): void {
    this.release();
    this.#db.close();
  }
}

function inodeOf(path: string): number | undefined {
  return statSync(path, { throwIfNoEntry: false })?.ino;
}

/** Whether a process with this pid runs (signal 0 tests without sending anything). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A lock file kfm cannot use, as a `lock` error naming it and what to do (it holds no data). */
function lockFileError(e: unknown): KfmError {
  const code = (e as { code?: string }).code ?? (e as Error).message;
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
    return new KfmError('lock', `.kfm/lock.db is not a lock file kfm can use (${code}): it holds no data; delete it (rm .kfm/lock.db) and run again`);
  }
  return new KfmError('lock', `cannot open the project lock .kfm/lock.db (${code}): check that .kfm/ is a writable directory`);
}

/**
 * Who holds the project lock, read from `.kfm/lock.holder` without touching the lock (a
 * reader such as `kfm serve` never takes it): undefined when no live process is named. A
 * killed holder leaves its file; a dead pid is no holder.
 */
export function liveLockHolder(kfmDir: string): LockHolder | undefined {
  try {
    const h = JSON.parse(readFileSync(join(kfmDir, 'lock.holder'), 'utf8')) as LockHolder;
    return typeof h === 'object' && h !== null && typeof h.pid === 'number' && isAlive(h.pid) ? h : undefined;
  } catch {
    return undefined;
  }
}
