/**
 * A throwaway PostgreSQL cluster with PostGIS for tests: `initdb` in a temp directory,
 * started on a free loopback port (a Unix socket in the same directory), trust auth for
 * the role `kfm`, removed after. As root it runs the server as the `postgres` user
 * (`runuser`), since PostgreSQL refuses to run as root.
 *
 * Where the binaries or the PostGIS extension are absent, `postgresUnavailable()` says why
 * and the tests skip, except in CI (`CI` set), where they fail: CI installs them
 * (`.ci/run`).
 */
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

const VERSIONS = ['17', '16', '15'];

function binDir(): string | undefined {
  for (const v of VERSIONS) {
    const dir = `/usr/lib/postgresql/${v}/bin`;
    if (existsSync(join(dir, 'initdb')) && existsSync(`/usr/share/postgresql/${v}/extension/postgis.control`)) return dir;
  }
  return undefined;
}

/** Why a PostGIS cluster cannot be started here (undefined: it can). Throws in CI. */
export function postgresUnavailable(): string | undefined {
  if (binDir()) return undefined;
  const why = `PostgreSQL with PostGIS is not installed (no /usr/lib/postgresql/{${VERSIONS.join(',')}}/bin/initdb with postgis.control): apt-get install postgresql-15-postgis-3`;
  if (process.env.CI) throw new Error(`${why}; CI must run the PostGIS tests`);
  return why;
}

export interface PostgresCluster {
  /** `postgres://kfm@127.0.0.1:<port>/<database>` */
  url: string;
  port: number;
  /** Creates another database and returns its URL. */
  createDatabase(name: string): string;
  stop(): void;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Starts a cluster with a database `kfm_test`. */
export async function startPostgres(): Promise<PostgresCluster> {
  const bin = binDir();
  if (!bin) throw new Error(postgresUnavailable() ?? 'no PostgreSQL');
  const dir = mkdtempSync(join(tmpdir(), 'kfm-pg-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })), Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })));
  const run = (tool: string, args: string[]) =>
    asRoot ? execFileSync('runuser', ['-u', 'postgres', '--', join(bin, tool), ...args], { stdio: 'pipe' }) : execFileSync(join(bin, tool), args, { stdio: 'pipe' });
  const data = join(dir, 'data');
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'kfm', '--no-sync', '-E', 'UTF8', '--locale=C']);
  const port = await freePort();
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
  run('pg_ctl', ['-D', data, '-o', opts, '-l', join(dir, 'server.log'), '-w', 'start']);
  const psql = (sql: string) => run('psql', ['-h', '127.0.0.1', '-p', String(port), '-U', 'kfm', '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-c', sql]);
  const createDatabase = (name: string) => {
    psql(`CREATE DATABASE ${name}`);
    return `postgres://kfm@127.0.0.1:${port}/${name}`;
  };
  const url = createDatabase('kfm_test');
  return {
    url,
    port,
    createDatabase,
    stop: () => {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** One query on a connection of its own: the rows. */
export async function queryPostgres<R extends pg.QueryResultRow>(url: string, sql: string): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(sql)).rows;
  } finally {
    await client.end();
  }
}
