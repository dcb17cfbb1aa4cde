import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createIngestTask } from '../../tasks/ingest.js';
import { FakeStore, runTask, type RunResult } from './fakeContext.js';
import { startServer, type Handler, type TestServer } from './testServer.js';

const BODY = '{"type":"Topology","objects":{}}\n';
const BODY2 = '{"type":"Topology","objects":{"counties":{}}}\n';
const LAST_MODIFIED = 'Mon, 02 Mar 2026 10:00:00 GMT';

/** A clock that moves a minute per reading, so carried-over times are told apart. */
function clock(): () => Date {
  let t = Date.parse('2026-03-02T12:00:00.000Z');
  return () => {
    t += 60_000;
    return new Date(t);
  };
}

function task(options: { baseDelayMs?: number } = {}) {
  return createIngestTask({
    backoff: { baseDelayMs: options.baseDelayMs ?? 1, maxDelayMs: 50 },
    progressIntervalMs: 0,
    now: clock(),
  });
}

const digestOf = (s: string): string => `sha256:${createHash('sha256').update(s).digest('hex')}`;

interface Resource {
  body: string;
  etag?: string;
  lastModified?: string;
}

/** Serves `resource` as a well-behaved origin does: 304 when a validator matches. */
function origin(resource: Resource): Handler {
  return (req, res) => {
    const validators: Record<string, string> = {};
    if (resource.etag) validators['etag'] = resource.etag;
    if (resource.lastModified) validators['last-modified'] = resource.lastModified;
    const inm = req.headers['if-none-match'];
    const ims = req.headers['if-modified-since'];
    const notModified =
      inm !== undefined ? inm === resource.etag : ims !== undefined && ims === resource.lastModified;
    if (notModified) {
      res.writeHead(304, validators).end();
      return;
    }
    res
      .writeHead(200, {
        ...validators,
        'content-type': 'text/plain; charset=utf-8',
        'content-length': Buffer.byteLength(resource.body),
      })
      .end(resource.body);
  };
}

const reply = (res: ServerResponse, status: number, headers: Record<string, string> = {}): void => {
  res.writeHead(status, headers).end(`status ${status}`);
};

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(handler: Handler): Promise<TestServer> {
  server = await startServer(handler);
  return server;
}

const manifestOf = (run: RunResult): string => run.bytes.get('manifest.json')?.toString('utf8') ?? '';

describe('kfm:ingest, http source', () => {
  it('stores the body and a deterministic manifest on a first 200 with an ETag', async () => {
    const srv = await serve(origin({ body: BODY, etag: '"v1"' }));
    const url = srv.url('/data/counties.json');
    const run = await runTask(task(), new FakeStore(), {
      params: {
        source: url,
        terms: { license: 'CC-BY-4.0', attribution: 'US Census Bureau' },
        headers: { Authorization: 'Bearer s3cret', Accept: 'application/json' },
      },
      dataset: 'ks_counties',
    });

    expect(srv.requests).toHaveLength(1);
    const sent = srv.requests[0]?.headers;
    expect(sent?.['if-none-match']).toBeUndefined();
    expect(sent?.['if-modified-since']).toBeUndefined();
    expect(sent?.['authorization']).toBe('Bearer s3cret');

    expect(run.outputs).toEqual([
      { name: 'counties.json', digest: digestOf(BODY), size: Buffer.byteLength(BODY), media_type: 'application/json' },
      { name: 'manifest.json', digest: digestOf(manifestOf(run)), size: Buffer.byteLength(manifestOf(run)), media_type: 'application/json' },
    ]);
    expect(run.bytes.get('counties.json')?.toString()).toBe(BODY);
    expect(manifestOf(run)).toBe(
      [
        '{',
        '  "access_method": "http",',
        '  "artifacts": [',
        '    {',
        `      "digest": "${digestOf(BODY)}",`,
        '      "media_type": "application/json",',
        '      "path": "counties.json",',
        `      "size": ${Buffer.byteLength(BODY)}`,
        '    }',
        '  ],',
        '  "dataset_slug": "ks_counties",',
        '  "etag": "\\"v1\\"",',
        '  "kfm_raw_manifest_version": "v1",',
        '  "last_modified": null,',
        '  "parameters": {',
        '    "headers": {',
        '      "accept": "application/json",',
        '      "authorization": "REDACTED"',
        '    },',
        '    "method": "GET"',
        '  },',
        `  "source_url": "${url}",`,
        '  "terms_snapshot": {',
        '    "attribution": "US Census Bureau",',
        '    "license": "CC-BY-4.0"',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
    expect(run.meta).toEqual({
      kfm_ingest_meta_version: 'v1',
      access_method: 'http',
      source_url: url,
      output: 'counties.json',
      decision: 'materialize',
      http_status: 200,
      attempts: 1,
      fetched_at: '2026-03-02T12:01:00.000Z',
      etag_sent: null,
      last_modified_sent: null,
      etag_received: '"v1"',
      last_modified_received: null,
      digest: digestOf(BODY),
      size: Buffer.byteLength(BODY),
      prior_digest: null,
      content_changed: true,
      materialized_at: '2026-03-02T12:01:00.000Z',
      materialized_etag: '"v1"',
      materialized_last_modified: null,
      // What the run receipt records as its parameters: the credential header redacted, names lower-cased.
      receipt_parameters: {
        source: url,
        terms: { license: 'CC-BY-4.0', attribution: 'US Census Bureau' },
        headers: { authorization: 'REDACTED', accept: 'application/json' },
      },
    });
    expect(run.reused).toEqual([]);
    expect(run.progress.at(-1)).toEqual({ done: Buffer.byteLength(BODY), total: Buffer.byteLength(BODY), unit: 'bytes' });
  });

  it('revalidates with If-None-Match and keeps the same outputs on a 304', async () => {
    const srv = await serve(origin({ body: BODY, etag: '"v1"' }));
    const store = new FakeStore();
    const ingest = task();
    const params = { source: srv.url('/counties.json'), terms: { license: 'CC0-1.0' } };
    const first = await runTask(ingest, store, { params });
    const second = await runTask(ingest, store, { params, previous: { outputs: first.outputs, meta: first.meta } });

    expect(srv.requests.map((r) => r.headers['if-none-match'])).toEqual([undefined, '"v1"']);
    expect(second.reused).toEqual(['counties.json']);
    expect(second.outputs).toEqual(first.outputs);
    expect(manifestOf(second)).toBe(manifestOf(first));
    expect(second.meta).toMatchObject({
      decision: 'no_op',
      http_status: 304,
      attempts: 1,
      fetched_at: '2026-03-02T12:02:00.000Z',
      etag_sent: '"v1"',
      last_modified_sent: null,
      etag_received: '"v1"',
      digest: digestOf(BODY),
      prior_digest: digestOf(BODY),
      content_changed: false,
      materialized_at: '2026-03-02T12:01:00.000Z',
      materialized_etag: '"v1"',
    });
    expect(second.progress).toEqual([]);
  });

  it('revalidates with If-Modified-Since when the server gives only Last-Modified', async () => {
    const srv = await serve(origin({ body: BODY, lastModified: LAST_MODIFIED }));
    const store = new FakeStore();
    const ingest = task();
    const params = { source: srv.url('/storms.csv') };
    const first = await runTask(ingest, store, { params });
    const second = await runTask(ingest, store, { params, previous: { outputs: first.outputs, meta: first.meta } });

    expect(srv.requests[1]?.headers['if-modified-since']).toBe(LAST_MODIFIED);
    expect(srv.requests[1]?.headers['if-none-match']).toBeUndefined();
    expect(first.outputs[1]?.media_type).toBe('text/csv');
    expect(second.reused).toEqual(['storms.csv']);
    expect(second.outputs).toEqual(first.outputs);
    expect(manifestOf(first)).toContain(`"last_modified": "${LAST_MODIFIED}"`);
    expect(manifestOf(first)).toContain('"etag": null');
    expect(second.meta).toMatchObject({
      decision: 'no_op',
      http_status: 304,
      etag_sent: null,
      last_modified_sent: LAST_MODIFIED,
      last_modified_received: LAST_MODIFIED,
      materialized_last_modified: LAST_MODIFIED,
    });
  });

  it('stores new bytes and records the prior digest when upstream changed', async () => {
    const resource: Resource = { body: BODY, etag: '"v1"' };
    const srv = await serve(origin(resource));
    const store = new FakeStore();
    const ingest = task();
    const params = { source: srv.url('/counties.json') };
    const first = await runTask(ingest, store, { params });
    resource.body = BODY2;
    resource.etag = '"v2"';
    const second = await runTask(ingest, store, { params, previous: { outputs: first.outputs, meta: first.meta } });
    const third = await runTask(ingest, store, { params, previous: { outputs: second.outputs, meta: second.meta } });

    expect(srv.requests.map((r) => r.headers['if-none-match'])).toEqual([undefined, '"v1"', '"v2"']);
    expect(second.reused).toEqual([]);
    expect(second.bytes.get('counties.json')?.toString()).toBe(BODY2);
    expect(second.meta).toMatchObject({
      decision: 'materialize',
      http_status: 200,
      etag_sent: '"v1"',
      etag_received: '"v2"',
      digest: digestOf(BODY2),
      prior_digest: digestOf(BODY),
      content_changed: true,
      materialized_at: '2026-03-02T12:02:00.000Z',
    });
    expect(manifestOf(second)).toContain('"etag": "\\"v2\\""');
    expect(manifestOf(second)).not.toBe(manifestOf(first));
    expect(third.meta).toMatchObject({ decision: 'no_op', materialized_at: '2026-03-02T12:02:00.000Z' });
    expect(third.outputs).toEqual(second.outputs);
  });

  it('sends no validators when the previous result came from another URL', async () => {
    const srv = await serve(origin({ body: BODY, etag: '"v1"' }));
    const store = new FakeStore();
    const ingest = task();
    const first = await runTask(ingest, store, { params: { source: srv.url('/a/counties.json') } });
    const second = await runTask(ingest, store, {
      params: { source: srv.url('/b/counties.json') },
      previous: { outputs: first.outputs, meta: first.meta },
    });
    expect(srv.requests[1]?.headers['if-none-match']).toBeUndefined();
    expect(second.meta).toMatchObject({ decision: 'materialize', etag_sent: null, prior_digest: digestOf(BODY) });
  });

  it('retries 500s with backoff and succeeds', async () => {
    const srv = await serve((req, res, n) => (n <= 2 ? reply(res, 500) : origin({ body: BODY })(req, res, n)));
    const url = srv.url('/counties.json');
    const run = await runTask(task(), new FakeStore(), { params: { source: url } });
    expect(srv.count('/counties.json')).toBe(3);
    expect(run.meta).toMatchObject({ decision: 'materialize', http_status: 200, attempts: 3 });
    expect(run.logs.filter((l) => l.level === 'warn').map((l) => l.message)).toEqual([
      `GET ${url}: 500 Internal Server Error; attempt 2 of 4 in 1 ms`,
      `GET ${url}: 500 Internal Server Error; attempt 3 of 4 in 2 ms`,
    ]);
  });

  it('retries a 429 and succeeds', async () => {
    const srv = await serve((req, res, n) =>
      n === 1 ? reply(res, 429, { 'retry-after': '0' }) : origin({ body: BODY })(req, res, n),
    );
    const run = await runTask(task(), new FakeStore(), { params: { source: srv.url('/x.json') } });
    expect(srv.count('/x.json')).toBe(2);
    expect(run.meta).toMatchObject({ attempts: 2 });
  });

  it('fails after the configured attempts when the server keeps answering 503', async () => {
    const srv = await serve((_req, res) => reply(res, 503));
    const url = srv.url('/counties.json');
    await expect(runTask(task(), new FakeStore(), { params: { source: url, attempts: 3 } })).rejects.toThrow(
      new Error(`GET ${url} failed after 3 attempts: 503 Service Unavailable`),
    );
    expect(srv.count('/counties.json')).toBe(3);
  });

  it('fails at once on a 404, naming the URL and the status', async () => {
    const srv = await serve((_req, res) => reply(res, 404));
    const url = srv.url('/x.json');
    await expect(runTask(task(), new FakeStore(), { params: { source: url } })).rejects.toThrow(
      new Error(`GET ${url} failed: 404 Not Found`),
    );
    expect(srv.count('/x.json')).toBe(1);
  });

  it('keeps credentials in the URL out of messages and the manifest', async () => {
    const srv = await serve((req, res, n) => (req.url?.startsWith('/missing') ? reply(res, 404) : origin({ body: BODY })(req, res, n)));
    await expect(
      runTask(task(), new FakeStore(), { params: { source: srv.url('/missing.json?api_key=hunter2&year=2017') } }),
    ).rejects.toThrow(new Error(`GET ${srv.url('/missing.json?api_key=REDACTED&year=2017')} failed: 404 Not Found`));

    const run = await runTask(task(), new FakeStore(), {
      params: { source: srv.url('/ok.json?token=hunter2'), headers: { 'X-Api-Key': 'hunter2' } },
    });
    expect(srv.requests.at(-1)?.path).toBe('/ok.json?token=hunter2');
    expect(srv.requests.at(-1)?.headers['x-api-key']).toBe('hunter2');
    expect(manifestOf(run)).not.toContain('hunter2');
    expect(JSON.stringify(run.meta)).not.toContain('hunter2');
    expect(run.logs.map((l) => l.message).join('\n')).not.toContain('hunter2');
  });

  it('times out an attempt that gets no response, then retries', async () => {
    const srv = await serve((req, res, n) => (n === 1 ? undefined : origin({ body: BODY })(req, res, n)));
    const run = await runTask(task(), new FakeStore(), { params: { source: srv.url('/x.json'), timeoutMs: 100 } });
    expect(srv.count('/x.json')).toBe(2);
    expect(run.logs.find((l) => l.level === 'warn')?.message).toContain('timed out after 100 ms');
  });

  it('fails with a clear message when every attempt times out, a stalled body included', async () => {
    const srv = await serve((_req, res, n) => {
      if (n === 1) return; // no response at all
      res.writeHead(200, { 'content-length': '1000' });
      res.write('{"partial":'); // then nothing more
    });
    const url = srv.url('/x.json');
    await expect(
      runTask(task(), new FakeStore(), { params: { source: url, attempts: 2, timeoutMs: 100 } }),
    ).rejects.toThrow(new Error(`GET ${url} failed after 2 attempts: timed out after 100 ms`));
    expect(srv.count('/x.json')).toBe(2);
  });

  it('stops an in-flight fetch when the signal aborts', async () => {
    const controller = new AbortController();
    const reason = new Error('interrupted');
    const srv = await serve(() => controller.abort(reason));
    await expect(
      runTask(task(), new FakeStore(), { params: { source: srv.url('/x.json') }, signal: controller.signal }),
    ).rejects.toBe(reason);
    expect(srv.count('/x.json')).toBe(1);
  });

  it('stops a backoff wait when the signal aborts', async () => {
    const controller = new AbortController();
    const reason = new Error('interrupted');
    const srv = await serve((_req, res) => {
      reply(res, 503);
      setTimeout(() => controller.abort(reason), 50);
    });
    // A 20 s backoff that the abort did not cut short would outlast the test's timeout.
    const ingest = createIngestTask({ backoff: { baseDelayMs: 20_000, maxDelayMs: 20_000 } });
    await expect(
      runTask(ingest, new FakeStore(), { params: { source: srv.url('/x.json') }, signal: controller.signal }),
    ).rejects.toBe(reason);
    expect(srv.count('/x.json')).toBe(1);
  });

  it('names the output `download` when the URL has no path, typed by Content-Type', async () => {
    const srv = await serve((_req, res) => res.writeHead(200, { 'content-type': 'application/geo+json' }).end('{}'));
    const run = await runTask(task(), new FakeStore(), { params: { source: srv.url('/') } });
    expect(run.outputs.map((o) => [o.name, o.media_type])).toEqual([
      ['download', 'application/geo+json'],
      ['manifest.json', 'application/json'],
    ]);
    // A chunked body has no length to report against.
    expect(run.progress.at(-1)).toEqual({ done: 2, total: undefined, unit: 'bytes' });
  });
});
