import pg from 'pg';
import { KfmError } from '../../core/error.js';
import { redactUrl } from '../../core/redactSecrets.js';
import { PG_MIGRATIONS, PG_SCHEMA_VERSION } from './pgMigrations.js';

/**
 * kfm's advisory locks live under this first key (`kfm` in ASCII), the second naming the
 * lock: `pg_advisory_lock(KFM_LOCK_CLASS, n)` shows in `pg_locks` as classid/objid.
 */
export const KFM_LOCK_CLASS = 0x6b666d;
export const LOCK_PROJECT = 1;
export const LOCK_LEDGER = 2;
export const LOCK_MIGRATE = 3;

/** A `postgres://` URL as messages show it: the password, if any, replaced by `REDACTED`. */
export function shownUrl(url: string): string {
  return redactUrl(url);
}

/** Checks a `KFM_STATE` value is a PostgreSQL URL (KfmError `usage`, the URL redacted). */
export function checkPostgresUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new KfmError('usage', `KFM_STATE is not a URL (give postgres://user@host:port/database)`);
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new KfmError('usage', `KFM_STATE ${shownUrl(url)} is not a postgres:// URL`);
  }
  if (parsed.pathname.replace(/^\//, '') === '') throw new KfmError('usage', `KFM_STATE ${shownUrl(url)} names no database (postgres://user@host:port/database)`);
}

/** A failed PostgreSQL query as a KfmError `state`, keeping its SQLSTATE for callers that tell cases apart. */
export class PgStateError extends KfmError {
  readonly sqlState: string | undefined;
  constructor(message: string, sqlState: string | undefined) {
    super('state', message);
    this.sqlState = sqlState;
  }
}

/** A PostgreSQL failure as a KfmError `state`, naming the database by its redacted URL. */
export function pgFailure(url: string, what: string, e: unknown): KfmError {
  if (e instanceof KfmError) return e;
  const f = e as { message?: string; code?: string };
  const message = (f.message ?? String(e)).split(url).join(shownUrl(url));
  return new PgStateError(`${what} (PostgreSQL ${shownUrl(url)}): ${message}`, f.code);
}

/** The SQLSTATE of a failed query (raw or as a PgStateError), if it has one. */
export function sqlState(e: unknown): string | undefined {
  if (e instanceof PgStateError) return e.sqlState;
  if (e instanceof KfmError) return undefined;
  return (e as { code?: string }).code;
}

/**
 * One PostgreSQL database kfm keeps its state and ledger in: a small pool, connected on
 * first use, with the schema migrated forward then (once per object), as an explicit step
 * under an advisory lock so that two processes starting at once migrate once. A schema
 * newer than this kfm's is a KfmError `state` and the database is left alone. `readonly`:
 * nothing is created or migrated; `ready` then says whether kfm's tables exist at all.
 */
export class PgDatabase {
  readonly url: string;
  readonly #pool: pg.Pool;
  readonly #readonly: boolean;
  #ready: Promise<boolean> | undefined;
  /** The last error of an idle connection (the pool must not crash the process for it). */
  idleError: Error | undefined;

  constructor(url: string, options: { readonly?: boolean; max?: number } = {}) {
    checkPostgresUrl(url);
    this.url = url;
    this.#readonly = options.readonly ?? false;
    // allowExitOnIdle: an idle pool never keeps a finished command's process alive.
    this.#pool = new pg.Pool({ connectionString: url, max: options.max ?? 4, application_name: 'kfm', allowExitOnIdle: true });
    this.#pool.on('error', (e) => {
      this.idleError = e;
    });
  }

  /** Connects and migrates (once); true when kfm's schema is there (always, unless readonly). */
  ready(): Promise<boolean> {
    return (this.#ready ??= this.#migrate());
  }

  /** A query, after `ready`. */
  async query<R extends pg.QueryResultRow>(what: string, sql: string, params: unknown[] = []): Promise<pg.QueryResult<R>> {
    await this.ready();
    try {
      return await this.#pool.query<R>(sql, params);
    } catch (e) {
      throw pgFailure(this.url, what, e);
    }
  }

  /**
   * Runs `work` in one transaction on one connection (READ COMMITTED): committed when it
   * returns, rolled back when it throws (its error rethrown as it was).
   */
  async transaction<T>(what: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    await this.ready();
    const client = await this.#connect(what);
    try {
      await client.query('BEGIN');
      const out = await work(client);
      await client.query('COMMIT');
      return out;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e instanceof KfmError ? e : pgFailure(this.url, what, e);
    } finally {
      client.release();
    }
  }

  /** Closes the pool (again: a no-op). */
  async end(): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    await this.#pool.end();
  }

  #ended = false;

  async #connect(what: string): Promise<pg.PoolClient> {
    try {
      return await this.#pool.connect();
    } catch (e) {
      throw pgFailure(this.url, `${what}: cannot connect`, e);
    }
  }

  async #migrate(): Promise<boolean> {
    const client = await this.#connect('cannot open kfm state');
    try {
      if (this.#readonly) {
        const exists = await client.query<{ t: string | null }>("SELECT to_regclass('kfm_schema')::text AS t");
        if (exists.rows[0]?.t == null) return false;
        const found = await client.query<{ version: number }>("SELECT version FROM kfm_schema WHERE component = 'kfm'");
        const v = found.rows[0]?.version ?? null;
        if (v !== null && v > PG_SCHEMA_VERSION) throw this.#newer(v);
        return v !== null;
      }
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1, $2)', [KFM_LOCK_CLASS, LOCK_MIGRATE]);
      await client.query('CREATE TABLE IF NOT EXISTS kfm_schema (component TEXT PRIMARY KEY, version INTEGER NOT NULL)');
      const row = await client.query<{ version: number }>("SELECT version FROM kfm_schema WHERE component = 'kfm'");
      const from = row.rows[0]?.version ?? 0;
      if (from > PG_SCHEMA_VERSION) throw this.#newer(from);
      for (let v = from; v < PG_SCHEMA_VERSION; v++) await client.query(PG_MIGRATIONS[v]!);
      await client.query(
        "INSERT INTO kfm_schema (component, version) VALUES ('kfm', $1) ON CONFLICT (component) DO UPDATE SET version = excluded.version",
        [PG_SCHEMA_VERSION],
      );
      await client.query('COMMIT');
      return true;
    } catch (e) {
      if (!this.#readonly) await client.query('ROLLBACK').catch(() => undefined);
      this.#ready = undefined;
      throw pgFailure(this.url, 'cannot open kfm state', e);
    } finally {
      client.release();
    }
  }

  #newer(v: number): KfmError {
    return new KfmError(
      'state',
      `the kfm schema in PostgreSQL ${shownUrl(this.url)} has version ${v}, newer than this kfm supports (${PG_SCHEMA_VERSION}); upgrade kfm`,
    );
  }
}
