import Database from 'better-sqlite3';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KfmError } from '../core/error.js';

export interface LockHolder {
  pid: number;
  command: string;
  started_at: string;
}

/**
 * One build at a time per project. The lock is an exclusive SQLite transaction on
 * `.kfm/lock.db`: an OS file lock, released by the kernel when the holder exits, even on
 * SIGKILL, so a dead build never leaves a stale lock. `.kfm/lock.holder` says who holds it.
 */
export class ProjectLock {
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
    try {
      this.#db.exec('BEGIN EXCLUSIVE');
    } catch (e) {
      if ((e as { code?: string }).code === 'SQLITE_BUSY') return false;
      throw e;
    }
    this.#held = true;
    const holder: LockHolder = { pid: process.pid, command, started_at: new Date().toISOString() };
    writeFileSync(this.#holderPath, JSON.stringify(holder) + '\n');
    return true;
  }

  /**
   * Waits for the lock, calling `onWait` once with the holder when it is busy. An aborted
   * `signal` (Ctrl-C) ends the wait at once with an `interrupted` error.
   */
  async acquire(
    command: string,
    onWait: (holder: string) => void,
    options: { timeoutMs?: number; pollMs?: number; signal?: AbortSignal } = {},
  ): Promise<void> {
    const poll = options.pollMs ?? 200;
    const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
    const { signal } = options;
    let told = false;
    while (!this.tryAcquire(command)) {
      if (!told) {
        onWait(this.describeHolder());
        told = true;
      }
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
    try {
      const h = JSON.parse(readFileSync(this.#holderPath, 'utf8')) as LockHolder;
      return `${h.command} (pid ${h.pid}, since ${h.started_at})`;
    } catch {
      return 'another kfm process';
    }
  }

  release(): void {
    if (!this.#held) return;
    this.#held = false;
    this.#db.exec('ROLLBACK');
  }

  close(): void {
    this.release();
    this.#db.close();
  }
}
