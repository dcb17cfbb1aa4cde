import { hostname } from 'node:os';
import pg from 'pg';
import { KfmError } from '../../core/error.js';
import type { AcquireOptions, ProjectLock } from '../projectLock.js';
import { KFM_LOCK_CLASS, LOCK_PROJECT, PgDatabase, pgFailure } from './pgDatabase.js';

/** How many polls a waiter waits for the holder to name itself before calling it `another kfm process`. */
const HOLDER_GRACE_POLLS = 5;

const interrupted = () => new KfmError('interrupted', 'interrupted while waiting for the project lock');

/**
 * The project lock as a PostgreSQL advisory lock (`pg_advisory_lock(KFM_LOCK_CLASS,
 * LOCK_PROJECT)`), for a project whose state is in PostgreSQL: one writer at a time across
 * every machine that builds it. Session-level, on a connection of its own that the handle
 * keeps while it holds the lock, so the server frees it when the holder's session ends (its
 * process exits or is killed, or its connection drops), as the kernel frees the file lock.
 * The holder names itself in `kfm_lock_holder` (its command, pid, host and start), keyed by
 * its backend pid, so a waiter names the live holder and never a dead one's leftover row.
 */
export class PgProjectLock implements ProjectLock {
  readonly #url: string;
  readonly #schema: PgDatabase;
  #client: pg.Client | undefined;
  #held = false;

  constructor(url: string) {
    this.#url = url;
    this.#schema = new PgDatabase(url, { max: 1 });
  }

  async acquire(command: string, onWait: (holder: string) => void, options: AcquireOptions = {}): Promise<void> {
    if (this.#held) throw new KfmError('lock', 'this handle already holds the project lock');
    const poll = options.pollMs ?? 200;
    const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
    const { signal } = options;
    const client = await this.#connection();
    let told = false;
    let unnamed = 0;
    while (!(await this.#try(client, command))) {
      if (!told) {
        const holder = await this.#holder(client);
        if (holder !== undefined || ++unnamed > HOLDER_GRACE_POLLS) {
          onWait(holder ?? 'another kfm process');
          told = true;
        }
      }
      if (signal?.aborted) throw interrupted();
      if (Date.now() > deadline) {
        throw new KfmError('lock', `timed out waiting for the project lock held by ${(await this.#holder(client)) ?? 'another kfm process'}`);
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
      if (signal?.aborted) throw interrupted();
    }
  }

  async release(): Promise<void> {
    if (!this.#held || !this.#client) return;
    const client = this.#client;
    this.#held = false;
    try {
      await client.query('DELETE FROM kfm_lock_holder WHERE backend_pid = pg_backend_pid()');
      await client.query('SELECT pg_advisory_unlock($1, $2)', [KFM_LOCK_CLASS, LOCK_PROJECT]);
    } catch (e) {
      // The session is gone with its lock; the next acquire opens a new one.
      this.#client = undefined;
      await client.end().catch(() => undefined);
      throw pgFailure(this.#url, 'cannot release the project lock', e);
    }
  }

  async close(): Promise<void> {
    try {
      await this.release();
    } finally {
      const client = this.#client;
      this.#client = undefined;
      await client?.end().catch(() => undefined);
      await this.#schema.end();
    }
  }

  async #connection(): Promise<pg.Client> {
    if (this.#client) return this.#client;
    // The holder table is part of kfm's schema: created (migrated) on first use.
    await this.#schema.ready();
    const client = new pg.Client({ connectionString: this.#url, application_name: 'kfm project lock' });
    // A dropped connection has dropped the lock; the error surfaces on the next query.
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (e) {
      throw pgFailure(this.#url, 'cannot take the project lock: cannot connect', e);
    }
    this.#client = client;
    return client;
  }

  async #try(client: pg.Client, command: string): Promise<boolean> {
    try {
      const got = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [KFM_LOCK_CLASS, LOCK_PROJECT]);
      if (!got.rows[0]?.ok) return false;
      this.#held = true;
      await client.query(
        `INSERT INTO kfm_lock_holder (id, backend_pid, command, pid, host, started_at) VALUES (1, pg_backend_pid(), $1, $2, $3, $4)
         ON CONFLICT (id) DO UPDATE SET backend_pid = excluded.backend_pid, command = excluded.command, pid = excluded.pid,
           host = excluded.host, started_at = excluded.started_at`,
        [command, process.pid, hostname(), new Date().toISOString()],
      );
      return true;
    } catch (e) {
      throw pgFailure(this.#url, 'cannot take the project lock', e);
    }
  }

  /** The live holder, as `command (pid N on host, since …)`, if it has named itself. */
  async #holder(client: pg.Client): Promise<string | undefined> {
    const { rows } = await client.query<{ command: string; pid: number; host: string; started_at: string }>(
      `SELECT h.command, h.pid, h.host, h.started_at FROM pg_locks l JOIN kfm_lock_holder h ON h.backend_pid = l.pid
       WHERE l.locktype = 'advisory' AND l.classid = $1 AND l.objid = $2 AND l.objsubid = 2 AND l.granted`,
      [KFM_LOCK_CLASS, LOCK_PROJECT],
    );
    const h = rows[0];
    return h ? `${h.command} (pid ${h.pid} on ${h.host}, since ${h.started_at})` : undefined;
  }
}
