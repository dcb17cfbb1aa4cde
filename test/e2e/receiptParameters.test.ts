/**
 * What a run receipt records as a node's parameters: what the task's result meta names as
 * `receipt_parameters`, else its params. The built-in ingest names them with its secrets as
 * `{ $secret }` references (credential literals redacted), so no secret of an http source
 * reaches a receipt, the ledger or data/.
 */
import Database from 'better-sqlite3';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { KFMFILE_HEADER, useCliRigs } from '../support/cliRig.js';
import { startServer, type TestServer } from '../ingest/testServer.js';

const newRig = useCliRigs();
let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const TASK = `import type { TaskContext } from 'kfm';
export default async function t(ctx: TaskContext<{ note?: string }>): Promise<void> {
  await ctx.output('out.txt', (await ctx.dep('fetch')['rows.csv']!.text()).toUpperCase(), 'text/plain');
}
`;

describe('receipt parameters', () => {
  it("record an http ingest's secrets as references, and other tasks' params as declared", async () => {
    server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/csv' });
      res.end('id\n1\n');
    });
    const source = server.url('/rows.csv?year=2019');
    const rig = newRig({
      'kfmfile.ts': `${KFMFILE_HEADER.replace('{ defineKfm, dataset, task }', '{ defineKfm, dataset, task, ingest, secret }')}export default defineKfm({ datasets: [
  dataset(spec('ks'), [
    ingest('fetch', { source: ${JSON.stringify(source)}, headers: { Authorization: secret('KS_AUTH'), Accept: 'text/csv' }, query: { api_key: secret('KS_API_KEY') }, terms: { license: 'CC0-1.0' } }),
    task('upper', { run: './t.ts', deps: ['fetch'], params: { note: 'token=kept' } }),
  ], { slice: '2019' }),
] });
`,
      't.ts': TASK,
    });
    const { result, report } = await rig.buildJson([], { env: { KS_AUTH: 'Bearer s3cret', KS_API_KEY: 's3cretkey' } });
    expect(result.code).toBe(0);
    expect(server.requests[0]!.headers['authorization']).toBe('Bearer s3cret');
    expect(server.requests[0]!.path).toBe('/rows.csv?year=2019&api_key=s3cretkey');
    const dvid = report.versions[0]!.dataset_version_id;
    const dir = rig.path('data/catalog/ks', dvid, 'receipts');
    const receipts = readdirSync(dir).map((f) => {
      const envelope = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { payload: string };
      return (JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as { predicate: { node: string; environment: { parameters: unknown } } }).predicate;
    });
    const byNode = new Map(receipts.map((r) => [r.node, r.environment.parameters]));
    expect(byNode.get('ks/fetch')).toEqual({
      source: server.url('/rows.csv?year=2019'),
      headers: { authorization: { $secret: 'KS_AUTH' }, accept: 'text/csv' },
      query: { api_key: { $secret: 'KS_API_KEY' } },
      terms: { license: 'CC0-1.0' },
    });
    expect(byNode.get('ks/upper')).toEqual({ note: 'token=kept' });
    // The secret is nowhere in the ledger.
    const db = new Database(rig.path('.kfm/ledger.db'), { readonly: true });
    try {
      const envelopes = db.prepare('SELECT envelope FROM entries').pluck().all() as string[];
      // The two task receipts and the catalog receipt.
      expect(envelopes).toHaveLength(3);
      for (const e of envelopes) expect(Buffer.from((JSON.parse(e) as { payload: string }).payload, 'base64').toString('utf8')).not.toContain('s3cret');
    } finally {
      db.close();
    }
  });
});
