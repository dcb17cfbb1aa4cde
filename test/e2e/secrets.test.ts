/**
 * Secrets are references, never values: `secret('NAME')` in an ingest header, an ingest
 * `query` parameter or a task's params resolves in the worker at run time (from the
 * environment or `<NAME>_FILE`), and no key, spec hash, receipt, registry file, state row,
 * ledger entry, log line or report holds its value. A literal credential in a kfmfile is a
 * kfmfile error (exit 2) that says to use secret().
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { KFMFILE_HEADER, locate, RIG_POLICY, useCliRigs, type CliResult, type CliRig } from '../support/cliRig.js';
import { startServer, type TestServer } from '../ingest/testServer.js';

const newRig = useCliRigs();
let server: TestServer | undefined;
const tempDirs: string[] = [];
afterEach(async () => {
  await server?.close();
  server = undefined;
  for (const d of tempDirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const HEADER = KFMFILE_HEADER.replace('{ defineKfm, dataset, task }', '{ defineKfm, dataset, task, ingest, secret }');

/**
 * Uses its `password` param (a secret): logs it and reports it as a progress unit (the worker
 * must scrub both), and writes only its length.
 */
const USE_PASSWORD_TASK = `import type { TaskContext } from 'kfm';
export default async function t(ctx: TaskContext<{ password: string; user: string }>): Promise<void> {
  const rows = await ctx.dep('fetch')['rows.csv']!.text();
  ctx.log.info('connecting as ' + ctx.params.user + ' with ' + ctx.params.password);
  ctx.progress(1, 1, 'rows via ' + ctx.params.password);
  await ctx.output('out.txt', rows.toUpperCase() + 'password length ' + ctx.params.password.length + '\\n', 'text/plain');
}
`;

interface Tokens {
  apiKey: string;
  bearer: string;
  queryToken: string;
  password: string;
}

const FIRST: Tokens = { apiKey: 'apikey-Q7xW1', bearer: 'bearer-M3vK8', queryToken: 'qtok-J5nB2', password: 'pw-T9cL4' };
const ROTATED: Tokens = { apiKey: 'apikey-R0t8A', bearer: 'bearer-R0t8B', queryToken: 'qtok-R0t8C', password: 'pw-R0t8D' };
const WRONG_KEY = 'apikey-Wr0ng9';

describe('secrets', () => {
  it('never stores or prints a secret value: build, fail, rotate, rebuild, every command', async () => {
    let expected = FIRST;
    server = await startServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const authorized =
        req.headers['x-api-key'] === expected.apiKey &&
        req.headers['authorization'] === `Bearer ${expected.bearer}` &&
        url.searchParams.get('token') === expected.queryToken;
      if (!authorized) {
        res.writeHead(401);
        res.end();
        return;
      }
      if (req.headers['if-none-match'] === '"v1"') {
        res.writeHead(304, { etag: '"v1"' });
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/csv', etag: '"v1"' });
      res.end('id,name\n1,Allen\n2,Anderson\n');
    });
    const secretsDir = mkdtempSync(join(tmpdir(), 'kfm-secrets-'));
    tempDirs.push(secretsDir);
    const bearerFile = join(secretsDir, 'bearer');
    const queryFile = join(secretsDir, 'query-token');

    const rig = newRig({
      'kfm.policy.json': RIG_POLICY,
      'kfmfile.ts': `${HEADER}export default defineKfm({ datasets: [
  dataset(spec('ks'), [
    ingest('fetch', {
      source: ${JSON.stringify(server.url('/rows.csv?year=2019'))},
      headers: { 'X-Api-Key': secret('KS_API_KEY'), Authorization: secret('KS_BEARER'), Accept: 'text/csv' },
      query: { token: secret('KS_QUERY_TOKEN') },
      terms: { license: 'CC0-1.0' },
    }),
    task('use', { run: './t.ts', deps: ['fetch'], params: { user: 'loader', password: secret('DB_PASSWORD') } }),
  ], { slice: '2019' }),
] });
`,
      't.ts': USE_PASSWORD_TASK,
    });

    /** Plants tokens: two in the environment, two in `_FILE` files (the bearer with a trailing newline). */
    const envFor = (t: Tokens): NodeJS.ProcessEnv => {
      writeFileSync(bearerFile, `Bearer ${t.bearer}\n`);
      writeFileSync(queryFile, t.queryToken);
      return { KS_API_KEY: t.apiKey, KS_BEARER_FILE: bearerFile, KS_QUERY_TOKEN_FILE: queryFile, DB_PASSWORD: t.password };
    };
    const outputs: CliResult[] = [];
    const run = async (args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> => {
      const r = await rig.run(args, { env });
      outputs.push(r);
      return r;
    };

    // 1. Build (plain: it prints the task's log lines, which the worker scrubbed).
    const env1 = envFor(FIRST);
    const plainFirst = await run(['build'], env1);
    expect(plainFirst.code, plainFirst.stderr).toBe(0);
    expect(plainFirst.stdout).toContain('connecting as loader with [secret:DB_PASSWORD]');
    const first = await rig.buildJson([], { env: env1 });
    outputs.push(first.result);
    expect(first.result.code, first.result.stderr).toBe(0);
    expect(first.report.nodes.map((n) => [n.id, n.status])).toEqual([['ks/fetch', 'executed'], ['ks/use', 'cached']]);
    const fetchKey = first.report.nodes.find((n) => n.id === 'ks/fetch')!.key;
    const useKey = first.report.nodes.find((n) => n.id === 'ks/use')!.key;
    const [v1] = first.report.versions;
    expect(v1).toBeDefined();
    // The secrets were resolved in the worker and sent.
    expect(server.requests.at(-1)!.headers['authorization']).toBe(`Bearer ${FIRST.bearer}`);
    expect(server.requests.at(-1)!.path).toBe(`/rows.csv?year=2019&token=${FIRST.queryToken}`);

    // 2. A failing build: a wrong key is a 401, and the error holds no value.
    const failed = await rig.buildJson([], { env: { ...env1, KS_API_KEY: WRONG_KEY } });
    outputs.push(failed.result);
    expect(failed.result.code).toBe(1);
    const fetchFailure = failed.report.nodes.find((n) => n.id === 'ks/fetch')!;
    expect(fetchFailure.status).toBe('failed');
    expect(fetchFailure.error!.message).toBe(`GET ${server.url('/rows.csv?year=2019&token=REDACTED')} failed: 401 Unauthorized`);
    const plainFailed = await run(['build'], { ...env1, KS_API_KEY: WRONG_KEY });
    expect(plainFailed.code).toBe(1);

    // A missing secret fails the node that needs it, naming the reference (an empty value is unset).
    const missing = await rig.buildJson([], { env: { ...env1, KS_API_KEY: '' } });
    outputs.push(missing.result);
    expect(missing.result.code).toBe(1);
    expect(missing.report.nodes.find((n) => n.id === 'ks/fetch')!.error).toEqual({
      message: "secret('KS_API_KEY') is not set: set the environment variable KS_API_KEY or KS_API_KEY_FILE (a file holding it)",
    });

    // 3. Rotate every secret and rebuild: the ingest reruns (HTTP ingest always does), and
    // no key, spec hash or version id changes.
    expected = ROTATED;
    const env2 = envFor(ROTATED);
    const rotated = await rig.buildJson([], { env: env2 });
    outputs.push(rotated.result);
    expect(rotated.result.code, rotated.result.stderr).toBe(0);
    expect(rotated.report.nodes.map((n) => [n.id, n.status, n.key])).toEqual([
      ['ks/fetch', 'executed', fetchKey],
      ['ks/use', 'cached', useKey],
    ]);
    expect(rotated.report.versions.map((v) => [v.dataset_version_id, v.spec_hash])).toEqual([[v1!.dataset_version_id, v1!.spec_hash]]);
    // The new values were sent, and the rotation did not lose the revalidation (a 304).
    expect(server.requests.at(-1)!.headers['x-api-key']).toBe(ROTATED.apiKey);
    expect(server.requests.at(-1)!.headers['if-none-match']).toBe('"v1"');

    // 4. Every command, plain and --json.
    const target = `ks@${v1!.dataset_version_id}`;
    for (const args of [['build'], ['plan'], ['explain', 'ks'], ['check'], ['status'], ['log'], ['receipts', 'verify'], ['promote', target]]) {
      for (const json of [false, true]) {
        const r = await run([...args, ...(json ? ['--json'] : [])], env2);
        expect([args.join(' '), json, r.code], r.stderr).toEqual([args.join(' '), json, 0]);
      }
    }

    // 5. No token value anywhere: every byte under the project, every stdout and stderr.
    const values = [...Object.values(FIRST), ...Object.values(ROTATED), WRONG_KEY];
    const leaks: string[] = [];
    for (const file of filesUnder(rig)) {
      const bytes = readFileSync(file);
      for (const v of values) if (bytes.includes(v)) leaks.push(`${file}: ${v}`);
    }
    for (const [i, r] of outputs.entries()) {
      for (const v of values) if ((r.stdout + r.stderr).includes(v)) leaks.push(`output ${i}: ${v}`);
    }
    expect(leaks).toEqual([]);
    expect(filesUnder(rig).map((f) => f.slice(rig.dir.length + 1))).toEqual(
      expect.arrayContaining(['.kfm/state.db', '.kfm/ledger.db', 'registry/ks.json']),
    );
    // The records hold the references' names.
    const registry = JSON.stringify(JSON.parse(rig.read('registry/ks.json')));
    for (const name of ['KS_API_KEY', 'KS_BEARER', 'KS_QUERY_TOKEN', 'DB_PASSWORD']) expect(registry).toContain(`{"$secret":"${name}"}`);
  });

  it('resolves a secret from <NAME>_FILE with a trailing newline trimmed, and fails naming an unreadable file', async () => {
    const rig = newRig({
      'kfmfile.ts': `${HEADER}export default defineKfm({ datasets: [
  dataset(spec('a'), [task('x', { run: './t.ts', params: { db: { password: secret('PW') } } })]),
] });
`,
      't.ts': `import type { TaskContext } from 'kfm';
export default async function t(ctx: TaskContext<{ db: { password: string } }>): Promise<void> {
  if (ctx.params.db.password !== 'from-file-X1') throw new Error('wrong password ' + ctx.params.db.password);
  await ctx.output('o.txt', 'ok', 'text/plain');
}
`,
    });
    const dir = mkdtempSync(join(tmpdir(), 'kfm-secrets-'));
    tempDirs.push(dir);
    const missing = await rig.buildJson([], { env: { PW_FILE: join(dir, 'absent') } });
    expect(missing.result.code).toBe(1);
    expect(missing.report.nodes.map((n) => [n.status, n.error?.message])).toEqual([
      ['failed', `secret('PW'): cannot read PW_FILE (${join(dir, 'absent')}): no such file`],
    ]);

    // The worker scrubs a resolved value from a task's error message and stack.
    writeFileSync(join(dir, 'pw'), 'not-it-K2\n');
    const wrong = await rig.buildJson([], { env: { PW_FILE: join(dir, 'pw') } });
    expect(wrong.result.code).toBe(1);
    const error = wrong.report.nodes[0]!.error!;
    expect(error.message).toBe('wrong password [secret:PW]');
    expect(error.stack).toContain('wrong password [secret:PW]');
    expect(wrong.result.stdout + wrong.result.stderr).not.toContain('not-it-K2');

    writeFileSync(join(dir, 'pw'), 'from-file-X1\r\n');
    const { result, report } = await rig.buildJson([], { env: { PW_FILE: join(dir, 'pw') } });
    expect(result.code, result.stderr).toBe(0);
    expect(report.nodes.map((n) => n.status)).toEqual(['executed']);
  });
});

describe('literal credentials in a kfmfile', () => {
  /** Exit 2, nothing on stdout, and this first (only) line on stderr. */
  async function expectError(body: string, needle: string, message: string): Promise<void> {
    const source = `${HEADER}${body}`;
    const rig = newRig({ 'kfmfile.ts': source, 't.ts': `export default async function t(): Promise<void> {}\n` });
    for (const args of [['build'], ['plan'], ['check']]) {
      const r = await rig.run(args);
      expect({ code: r.code, stdout: r.stdout, first: r.stderr.split('\n')[0] }).toEqual({
        code: 2,
        stdout: '',
        first: `kfm: kfmfile.ts:${locate(source, needle)}: ${message}`,
      });
      expect(r.stderr).not.toContain('hunter2');
    }
    const json = await rig.run(['build', '--json']);
    expect(json.code).toBe(2);
    expect(json.stdout + json.stderr).toContain(message);
    expect(json.stdout + json.stderr).not.toContain('hunter2');
  }

  it('a literal in a credential header', async () => {
    await expectError(
      `export default defineKfm({ datasets: [dataset(spec('a'), [
  ingest('fetch', { source: 'https://example.org/rows.csv', headers: { Accept: 'text/csv', 'X-Api-Key': 'hunter2' } }),
])] });
`,
      "ingest('fetch'",
      `header "X-Api-Key" of task "a/fetch" is a literal credential: use headers: { 'X-Api-Key': secret('X_API_KEY') } instead`,
    );
  });

  it('a literal credential query parameter, in the source URL or in query', async () => {
    await expectError(
      `export default defineKfm({ datasets: [dataset(spec('a'), [
  ingest('fetch', { source: 'https://example.org/rows.csv?year=2019&client_secret=hunter2' }),
])] });
`,
      "ingest('fetch'",
      `the source URL of task "a/fetch" has a literal credential in query parameter "client_secret": use query: { client_secret: secret('CLIENT_SECRET') } instead`,
    );
    await expectError(
      `export default defineKfm({ datasets: [dataset(spec('a'), [
  ingest('fetch', { source: 'https://example.org/rows.csv', query: { year: '2019', access_key: 'hunter2' } }),
])] });
`,
      "ingest('fetch'",
      `query parameter "access_key" of task "a/fetch" is a literal credential: use query: { access_key: secret('ACCESS_KEY') } instead`,
    );
  });

  it("a literal under a credential key in a task's params", async () => {
    await expectError(
      `export default defineKfm({ datasets: [dataset(spec('a'), [
  task('x', { run: './t.ts', params: { db: { host: 'db.example.org', Password: 'hunter2' } } }),
])] });
`,
      "task('x'",
      `param "Password" of task "a/x" (at /db/Password) is a literal credential: use secret('PASSWORD') instead`,
    );
  });

  it('userinfo in the source URL, printed as ***', async () => {
    await expectError(
      `export default defineKfm({ datasets: [dataset(spec('a'), [
  ingest('fetch', { source: 'https://loader:hunter2@example.org/rows.csv' }),
])] });
`,
      "ingest('fetch'",
      `the source URL of task "a/fetch" has credentials in it (https://***@example.org/rows.csv): use headers: { Authorization: secret('NAME') } instead`,
    );
  });
});

/** Every file under the project directory (`.kfm/`, `data/`, `registry/`, SQLite files and their WAL). */
function filesUnder(rig: CliRig): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      const st = statSync(p, { throwIfNoEntry: false });
      if (st === undefined) continue;
      if (st.isDirectory()) walk(p);
      else if (st.isFile()) out.push(p);
    }
  };
  walk(rig.dir);
  return out;
}
