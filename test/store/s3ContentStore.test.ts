/**
 * What the S3 store does beyond the ContentStore contract (test/store/contracts/), against
 * s3rver behind a small HTTP proxy that misbehaves on purpose: an upload corrupted on the
 * way is caught by the read-back (the server's answer is never trusted), and a server that
 * honours `If-None-Match: *` (as AWS S3 and MinIO do; s3rver does not) is emulated to show
 * a put never overwrites an intact object and still replaces a corrupt one. Also the
 * parsing of `KFM_STORE` and its environment, and of the seam selection.
 */
import { createHash } from 'node:crypto';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Digest } from '../../core/digest.js';
import { KfmError } from '../../core/error.js';
import { seamConfig } from '../../engine/load/seamConfig.js';
import { S3ContentStore } from '../../store/s3/s3ContentStore.js';
import { s3StoreDescriptor } from '../../store/s3/s3Location.js';
import { startS3, type S3Server } from '../support/s3.js';

const sha256 = (bytes: string | Uint8Array): Digest => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** A proxy in front of s3rver: counts requests, corrupts the next `corruptPuts` upload bodies, and with `conditional` answers a PUT `If-None-Match: *` on an existing key with 412. */
class MisbehavingProxy {
  corruptPuts = 0;
  conditional = false;
  readonly seen: string[] = [];
  #server: Server | undefined;
  readonly #upstream: URL;

  constructor(upstream: string) {
    this.#upstream = new URL(upstream);
  }

  async start(): Promise<string> {
    this.#server = createServer((req, res) => void this.#handle(req, res));
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server!.address() as { port: number }).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.#server!.close(() => resolve()));
  }

  async #forward(method: string, path: string, headers: IncomingMessage['headers'], payload?: Buffer): Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const up = request({ host: this.#upstream.hostname, port: this.#upstream.port, method, path, headers: { ...headers, host: this.#upstream.host } }, (r) => {
        void body(r).then((b) => resolve({ status: r.statusCode ?? 500, headers: r.headers, body: b }), reject);
      });
      up.on('error', reject);
      up.end(payload);
    });
  }

  async #handle(req: IncomingMessage, res: import('node:http').ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    let payload = await body(req);
    const isObjectPut = method === 'PUT' && !('x-amz-copy-source' in req.headers);
    if (isObjectPut && this.conditional && req.headers['if-none-match'] === '*') {
      const head = await this.#forward('HEAD', path, { authorization: req.headers.authorization ?? '', 'x-amz-date': req.headers['x-amz-date'] ?? '', 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' });
      if (head.status === 200) {
        this.seen.push('PUT 412');
        res.writeHead(412, { 'content-type': 'application/xml' });
        res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message></Error>');
        return;
      }
    }
    if (isObjectPut && this.corruptPuts > 0 && payload.length > 0) {
      this.corruptPuts--;
      payload = Buffer.from(payload);
      payload[0] = payload[0]! ^ 0xff;
      this.seen.push('PUT corrupted');
    } else this.seen.push(isObjectPut || method !== 'PUT' ? method : 'COPY');
    const { 'if-none-match': _drop, ...headers } = req.headers;
    const up = await this.#forward(method, path, headers, payload);
    res.writeHead(up.status, up.headers);
    res.end(up.body);
  }
}

describe('S3ContentStore against a misbehaving server', () => {
  let s3: S3Server;
  let proxy: MisbehavingProxy;
  let endpoint: string;
  let prefixes = 0;

  beforeAll(async () => {
    s3 = await startS3('kfm-proxy-test');
    for (const [k, v] of Object.entries(s3.env)) process.env[k] = v;
    proxy = new MisbehavingProxy(s3.endpoint);
    endpoint = await proxy.start();
  }, 60_000);
  afterAll(async () => {
    await proxy?.stop();
    await s3?.stop();
  });

  const open = () => {
    proxy.corruptPuts = 0;
    proxy.conditional = false;
    proxy.seen.length = 0;
    const prefix = `t${prefixes++}/`;
    return { store: new S3ContentStore({ kind: 's3', bucket: s3.bucket, prefix, endpoint, region: 'us-east-1', forcePathStyle: true }), prefix };
  };

  it('an upload corrupted on the way is caught by reading it back: moved aside, uploaded again, stored intact', async () => {
    const { store, prefix } = open();
    proxy.corruptPuts = 1;
    const put = await store.put(Buffer.from('bytes that arrive damaged once'));
    expect(put).toEqual({ digest: sha256('bytes that arrive damaged once'), size: 30 });
    expect(proxy.seen.filter((s) => s === 'COPY' || s.startsWith('PUT'))).toEqual(['PUT corrupted', 'COPY', 'PUT']);
    expect(await store.check(put.digest)).toBe('ok');
    const aside = await s3.getRaw(`${prefix}corrupt/${put.digest.slice(7)}`);
    expect(aside?.length).toBe(30);
    expect(sha256(aside!)).not.toBe(put.digest);
    // putStream reads its spool file again for the second upload.
    proxy.corruptPuts = 1;
    const streamed = await store.putStream((async function* () { yield Buffer.from('streamed, '); yield Buffer.from('damaged once'); })());
    expect(await store.check(streamed.digest)).toBe('ok');
    store.close();
  });

  it('a server that damages every upload: the put fails naming the digest, and nothing intact is claimed', async () => {
    const { store } = open();
    proxy.corruptPuts = Number.POSITIVE_INFINITY;
    let thrown: unknown;
    try {
      await store.put(Buffer.from('never arrives whole'));
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(KfmError);
    expect((thrown as KfmError).message).toBe(
      `store object ${sha256('never arrives whole')} did not read back intact from s3://kfm-proxy-test/${store.keyOf(sha256('never arrives whole'))} after 2 uploads (corrupt)`,
    );
    proxy.corruptPuts = 0;
    expect(await store.check(sha256('never arrives whole'))).toBe('corrupt');
    store.close();
  });

  it('with If-None-Match honoured: an intact object is never overwritten, a corrupt one is moved aside and replaced', async () => {
    const { store, prefix } = open();
    proxy.conditional = true;
    const put = await store.put(Buffer.from('written once'));
    // Replaced behind the store's back by bytes of another size: the HEAD says absent-or-other, the conditional PUT is refused.
    await s3.putRaw(store.keyOf(put.digest), 'short');
    proxy.seen.length = 0;
    await store.put(Buffer.from('written once'));
    expect(proxy.seen.filter((s) => s === 'COPY' || s.startsWith('PUT'))).toEqual(['PUT 412', 'COPY', 'PUT']);
    expect((await store.get(put.digest)).toString()).toBe('written once');
    expect((await s3.getRaw(`${prefix}corrupt/${put.digest.slice(7)}`))?.toString()).toBe('short');

    // Many handles putting the same bytes at once (many workers): one object, intact, no error.
    const stores = Array.from({ length: 6 }, () => new S3ContentStore(store.descriptor));
    const puts = await Promise.all(stores.map((s) => s.put(Buffer.from('raced'))));
    expect(new Set(puts.map((p) => p.digest))).toEqual(new Set([sha256('raced')]));
    expect((await store.get(sha256('raced'))).toString()).toBe('raced');
    for (const s of stores) s.close();
    store.close();
  });
});

describe('KFM_STORE and KFM_STATE', () => {
  it('an s3:// URL and the environment make a descriptor with no secret in it', () => {
    const env = { AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE', AWS_SECRET_ACCESS_KEY: 'very-secret', AWS_REGION: 'eu-central-1' };
    expect(s3StoreDescriptor('s3://my-bucket/team/kfm/', env)).toEqual({ kind: 's3', bucket: 'my-bucket', prefix: 'team/kfm/', region: 'eu-central-1', forcePathStyle: false });
    expect(s3StoreDescriptor('s3://my-bucket', {})).toEqual({ kind: 's3', bucket: 'my-bucket', prefix: '', region: 'us-east-1', forcePathStyle: false });
    expect(s3StoreDescriptor('s3://my-bucket/p', { KFM_S3_ENDPOINT: 'http://minio:9000', AWS_DEFAULT_REGION: 'local' })).toEqual({
      kind: 's3',
      bucket: 'my-bucket',
      prefix: 'p/',
      endpoint: 'http://minio:9000',
      region: 'local',
      forcePathStyle: true,
    });
    expect(s3StoreDescriptor('s3://b.example/p', { AWS_ENDPOINT_URL_S3: 'https://s3.example', KFM_S3_FORCE_PATH_STYLE: 'false' })).toMatchObject({ endpoint: 'https://s3.example', forcePathStyle: false });
    expect(JSON.stringify(s3StoreDescriptor('s3://my-bucket/p', env))).not.toContain('secret');
  });

  it('refuses what it cannot use, hiding credentials', () => {
    const refused = (url: string, env: NodeJS.ProcessEnv = {}) => {
      try {
        s3StoreDescriptor(url, env);
      } catch (e) {
        return (e as KfmError).message;
      }
      return 'accepted';
    };
    expect(refused('s3:/nope')).toBe('KFM_STORE s3:/nope is not an s3://bucket/prefix URL');
    expect(refused('s3://UPPER/x')).toBe("KFM_STORE s3://UPPER/x: UPPER is not an S3 bucket name (3-63 of a-z, 0-9, '.', '-')");
    expect(refused('s3://bucket/a//b')).toBe("KFM_STORE s3://bucket/a//b: the prefix a//b has an empty, '.' or '..' segment");
    expect(refused('s3://bucket/x', { KFM_S3_ENDPOINT: 'http://key:secret@minio:9000' })).toBe(
      'the S3 endpoint http://***@minio:9000 carries credentials: give them as AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY instead',
    );
    expect(refused('s3://bucket/x', { KFM_S3_FORCE_PATH_STYLE: 'yes' })).toBe('KFM_S3_FORCE_PATH_STYLE is yes: give true or false');
  });

  it('selects the embedded defaults unless told otherwise', () => {
    expect(seamConfig({})).toEqual({ store: { kind: 'local' }, state: { kind: 'sqlite' }, local: true });
    expect(seamConfig({ KFM_STORE: 'local', KFM_STATE: 'sqlite' }).local).toBe(true);
    const remote = seamConfig({ KFM_STORE: 's3://bucket/p', KFM_STATE: 'postgresql://kfm@db:5432/kfm' });
    expect(remote).toEqual({
      store: { kind: 's3', bucket: 'bucket', prefix: 'p/', region: 'us-east-1', forcePathStyle: false },
      state: { kind: 'postgres', url: 'postgresql://kfm@db:5432/kfm' },
      local: false,
    });
    expect(() => seamConfig({ KFM_STATE: 'postgres://kfm:pw@db:5432/' })).toThrow(new KfmError('usage', 'KFM_STATE postgres://kfm:REDACTED@db:5432/ names no database (postgres://user@host:port/database)'));
    expect(() => seamConfig({ KFM_STORE: '/mnt/store' })).toThrow(new KfmError('usage', 'KFM_STORE is /mnt/store: give s3://bucket/prefix, or local (the default, .kfm/store/)'));
  });
});
