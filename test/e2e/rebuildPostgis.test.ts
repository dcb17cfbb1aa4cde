/**
 * `kfm rebuild --targets postgis` and `kfm rollback` against a real PostGIS, through the
 * real CLI, in a throwaway cluster the test starts on loopback (test/support/postgres.ts):
 * the load is checked against the catalog; `--check` names a row deleted by hand; a
 * rollback swaps the PostGIS pointer in one transaction while a reader querying in a loop
 * never sees two versions; the connection URL's password never reaches a report, a
 * receipt, the ledger, a record or an error. Skipped, with the reason, only where
 * PostgreSQL/PostGIS is not installed and CI is not set.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildKansasProject, REPO, type KansasProject } from '../support/kansasProject.js';
import { postgresUnavailable, startPostgres, type PostgresCluster } from '../support/postgres.js';
import { reprocessKansasPlaces } from '../support/reprocessKansasPlaces.js';
import { expectValidReport } from './reportSchemas.js';

const unavailable = postgresUnavailable();
if (unavailable) console.warn(`skipping the kfm rebuild --targets postgis tests: ${unavailable}`);

const KFM = join(REPO, 'bin', 'kfm.js');
const PASSWORD = 'pg-pass-7f3a9c';

describe.skipIf(unavailable !== undefined)('kfm rebuild and kfm rollback on PostGIS', () => {
  let cluster: PostgresCluster;
  let project: KansasProject;
  let sql: pg.Client;
  let env: NodeJS.ProcessEnv;
  const outputs: string[] = [];
  const kfm = (args: string[]) => {
    const r = spawnSync(process.execPath, [KFM, ...args], { cwd: project.dir, encoding: 'utf8', env });
    outputs.push(r.stdout, r.stderr);
    return r;
  };
  const json = <T>(args: string[], status = 0): T => {
    const r = kfm([...args, '--json']);
    expect(r.status, r.stderr).toBe(status);
    return JSON.parse(r.stdout) as T;
  };

  beforeAll(async () => {
    cluster = await startPostgres();
    project = buildKansasProject();
    // Trust authentication accepts any password: the URL carries one, as a production URL would.
    env = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', KFM_POSTGRES_URL: cluster.url.replace('postgres://kfm@', `postgres://kfm:${PASSWORD}@`) };
    sql = new pg.Client({ connectionString: cluster.url });
    await sql.connect();
  });
  afterAll(async () => {
    await sql?.end();
    cluster?.stop();
    project?.remove();
  });

  it('loads ks_counties with its counts and extents checked, and --check names a row deleted by hand', async () => {
    const dvid = project.dvids.ks_counties;
    const report = json<{ outcomes: { target: string; status: string; feature_count: number }[] }>(['rebuild', 'ks_counties', '--targets', 'postgis']);
    expectValidReport('rebuild', report);
    expect(report.outcomes.map((o) => [o.target, o.status, o.feature_count])).toEqual([['postgis', 'loaded', 105]]);
    expect((await sql.query("SELECT count(*)::int AS n FROM kfm.current_features WHERE dataset_slug = 'ks_counties'")).rows[0].n).toBe(105);
    // PostGIS has no fingerprint: a second rebuild checks it in full, finds it right.
    expect(json<{ outcomes: { status: string }[] }>(['rebuild', 'ks_counties', '--targets', 'postgis']).outcomes.map((o) => o.status)).toEqual(['unchanged']);
    expect(kfm(['rebuild', 'ks_counties', '--targets', 'postgis', '--check']).status).toBe(0);

    await sql.query("DELETE FROM kfm.features WHERE fid = (SELECT min(fid) FROM kfm.features WHERE dataset_slug = 'ks_counties')");
    const check = kfm(['rebuild', 'ks_counties', '--targets', 'postgis', '--check']);
    expect(check.status).toBe(1);
    expect(check.stdout).toContain(`drifted  postgis: ks_counties@${dvid}: 104 feature rows, the version has 105\n`);
    const fixed = json<{ outcomes: { status: string; feature_count: number }[] }>(['rebuild', 'ks_counties', '--targets', 'postgis']);
    expect(fixed.outcomes.map((o) => [o.status, o.feature_count])).toEqual([['loaded', 105]]);
    expect(kfm(['rebuild', 'ks_counties', '--targets', 'postgis', '--check']).status).toBe(0);
  });

  it('without KFM_POSTGRES_URL, refuses before writing anything, naming the variable', () => {
    const r = spawnSync(process.execPath, [KFM, 'rebuild', 'ks_counties', '--targets', 'postgis'], { cwd: project.dir, encoding: 'utf8', env: { ...env, KFM_POSTGRES_URL: '' } });
    expect([r.status, r.stderr]).toEqual([2, 'kfm: the PostGIS target needs KFM_POSTGRES_URL (postgres://user@host:port/database)\n']);
  });

  it('rolls ks_places back in one PostGIS transaction while a reader loops: one version at every read', async () => {
    const good = project.dvids.ks_places;
    json(['rebuild', 'ks_places', '--targets', 'postgis']);
    const bad = reprocessKansasPlaces(project);
    expect(json<{ outcomes: { current_version_id: string }[] }>(['rebuild', 'ks_places', '--targets', 'postgis']).outcomes[0]!.current_version_id).toBe(bad);

    const seen: string[] = [];
    const read = async () => {
      const rows = (await sql.query("SELECT dataset_version_id AS v, count(*)::int AS n FROM kfm.current_features WHERE dataset_slug = 'ks_places' GROUP BY 1")).rows as { v: string; n: number }[];
      expect(rows, 'a read saw more than one version').toHaveLength(1);
      expect(rows[0]!.n).toBe(216);
      seen.push(rows[0]!.v);
    };
    const child = spawn(process.execPath, [KFM, 'rollback', 'ks_places', '--to', good, '--reason', 'the reprocessed attribution is wrong', '--json'], { cwd: project.dir, env });
    let stdout = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => outputs.push(b.toString()));
    let done = false;
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve)).then((code) => ((done = true), code));
    while (!done) await read();
    expect(await exited).toBe(0);
    await read();
    outputs.push(stdout);
    expect(seen[0]).toBe(bad);
    expect(seen[seen.length - 1]).toBe(good);
    expect(seen.slice(seen.indexOf(good)).every((v) => v === good)).toBe(true);
    const report = JSON.parse(stdout) as { targets: { target: string; from: string; to: string }[] };
    expectValidReport('rollback', report);
    expect(report.targets).toEqual([{ target: 'postgis', loaded: 'unchanged', from: bad, to: good }]);
    // Nothing deleted: the superseded version's rows stay in their partition.
    expect((await sql.query('SELECT count(*)::int AS n FROM kfm.features WHERE dataset_version_id = $1', [bad])).rows[0].n).toBe(216);
    expect(kfm(['receipts', 'verify']).status).toBe(0);
  });

  it('never writes the connection password anywhere', () => {
    const hits: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        if (name === 'node_modules') continue;
        const p = join(dir, name);
        const st = statSync(p);
        if (st.isDirectory()) walk(p);
        else if (readFileSync(p).includes(PASSWORD)) hits.push(p);
      }
    };
    walk(project.dir);
    expect(hits).toEqual([]);
    expect(outputs.filter((o) => o.includes(PASSWORD))).toEqual([]);
  });
});
