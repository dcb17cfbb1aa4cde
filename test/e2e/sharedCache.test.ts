/**
 * The signed shared cache (KFM_CACHE=s3://…) through the real CLI against s3rver: a CI
 * project (its key pinned) publishes; a developer's copy (CI's key pinned, its own not)
 * builds every node from the cache with no task run and writes nothing to the bucket;
 * poisoned entries (unsigned, signed by an attacker, CI's envelope with its payload
 * altered, CI's entry copied to another key's path) are rejected with their reason and the
 * node runs locally with the right bytes; pinning the developer's key lets it publish; an
 * unreachable cache is one warning and a local build.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KFMFILE_HEADER, useCliRigs, type CliRig } from '../support/cliRig.js';
import { startS3, type S3Server } from '../support/s3.js';
import { signCacheEntry, type CacheEntry } from '../../engine/cache/cacheEntry.js';
import { expectValidReport } from './reportSchemas.js';

const newRig = useCliRigs();

const kfmfile = (cSuffix = '') => `${KFMFILE_HEADER}export default defineKfm({ datasets: [
  dataset(spec('ks'), [
    task('a', { run: './count.ts', params: { n: 'a' } }),
    task('b', { run: './count.ts', deps: ['a'], params: { n: 'b' } }),
    task('c', { run: './count.ts', deps: ['b'], params: { n: 'c${cSuffix}' } }),
  ]),
] });
`;

/** Appends a line to $KFM_TEST_COUNT_DIR/<n> per execution; writes its name and its upstream's text. */
const COUNT_TASK = `import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TaskContext } from 'kfm';
export default async function count(ctx: TaskContext<{ n: string }>): Promise<void> {
  const dir = process.env.KFM_TEST_COUNT_DIR;
  if (dir) appendFileSync(join(dir, ctx.params.n), 'x\\n');
  const up: string[] = [];
  for (const dep of Object.keys(ctx.upstream).sort()) up.push(await ctx.upstream[dep]!['out.txt']!.text());
  await ctx.output('out.txt', [ctx.params.n, ...up].join('<'), 'text/plain');
}
`;

/** What each node's out.txt holds. */
const OUT: Record<string, string> = { a: 'a', b: 'b<a', c: 'c<b<a' };
const digestOf = (s: string | Buffer) => `sha256:${createHash('sha256').update(s).digest('hex')}`;

let s3: S3Server;
let client: S3Client;
beforeAll(async () => {
  s3 = await startS3();
  client = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
}, 60_000);
afterAll(async () => {
  client?.destroy();
  await s3?.stop();
});

async function listKeys(prefix: string): Promise<string[]> {
  const out = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: prefix }));
  return (out.Contents ?? []).map((o) => o.Key!).sort();
}

function project(): CliRig {
  return newRig({ 'kfmfile.ts': kfmfile(), 'count.ts': COUNT_TASK });
}

/** A build with the cache at `prefix`, counting task executions; the JSON report checked against its schema. */
async function build(rig: CliRig, prefix: string, env: Record<string, string> = {}) {
  const countDir = mkdtempSync(join(tmpdir(), 'kfm-count-'));
  const { result, report } = await rig.buildJson([], { env: { ...s3.env, KFM_CACHE: `s3://${s3.bucket}/${prefix}`, KFM_TEST_COUNT_DIR: countDir, ...env } });
  const runs = Object.fromEntries(readdirSync(countDir).map((f) => [f, readFileSync(join(countDir, f), 'utf8').split('\n').length - 1]));
  rmSync(countDir, { recursive: true, force: true });
  expectValidReport('build', report);
  return { result, report, runs };
}

/** The object's bytes in a project's local store, or undefined. */
function localObject(rig: CliRig, digest: string): string | undefined {
  const hex = digest.slice(7);
  const p = rig.path('.kfm', 'store', 'objects', hex.slice(0, 2), hex.slice(2));
  return existsSync(p) ? readFileSync(p, 'utf8') : undefined;
}

/** A copy of `ci`'s project on another machine: its own key, ci's trust file (ci's key pinned, its own not). */
function devOf(ci: CliRig): CliRig {
  const dev = project();
  writeFileSync(dev.path('kfm.trust.json'), ci.read('kfm.trust.json'));
  return dev;
}

const keyHex = (report: { nodes: { id: string; key: string | null }[] }, id: string) => report.nodes.find((n) => n.id === `ks/${id}`)!.key!.slice(7);

describe('shared cache (KFM_CACHE)', () => {
  it('CI publishes; a developer builds from it, runs nothing and writes nothing; pinned, it publishes', async () => {
    const ci = project();
    const first = await build(ci, 'p1');
    expect(first.result.code).toBe(0);
    expect(first.runs).toEqual({ a: 1, b: 1, c: 1 });
    const keys = await listKeys('p1/');
    for (const id of ['a', 'b', 'c']) {
      expect(keys).toContain(`p1/ac/${keyHex(first.report, id)}.json`);
      expect(keys).toContain(`p1/sha256/${digestOf(OUT[id]!).slice(7, 9)}/${digestOf(OUT[id]!).slice(7)}`);
    }
    expect(first.result.stderr).not.toContain('not writing');

    const dev = devOf(ci);
    const before = await listKeys('');
    const got = await build(dev, 'p1');
    expect(got.result.code).toBe(0);
    expect(got.runs).toEqual({});
    expect(got.report.counts).toEqual({ executed: 0, cached: 3, failed: 0, skipped: 0 });
    expect(got.report.nodes.every((n) => (n as { from_shared_cache?: boolean }).from_shared_cache === true)).toBe(true);
    expect((got.report as unknown as { shared_cache: unknown }).shared_cache).toEqual({ hits: 3, rejected: [] });
    for (const id of ['a', 'b', 'c']) expect(localObject(dev, digestOf(OUT[id]!))).toBe(OUT[id]);
    expect(got.report.nodes.map((n) => n.key)).toEqual(first.report.nodes.map((n) => n.key));
    expect(await listKeys('')).toEqual(before);
    expect(got.result.stderr.match(/not writing the shared cache: this machine's key sha256:[0-9a-f]{64} is not pinned in kfm\.trust\.json/g)).toHaveLength(1);

    // The next build is a local hit: the shared results were committed locally.
    const again = await build(dev, 'p1');
    expect(again.runs).toEqual({});
    expect(again.report.nodes.some((n) => (n as { from_shared_cache?: boolean }).from_shared_cache)).toBe(false);

    // Pinning the developer's key: its next changed node is published.
    const pem = createPublicKey(createPrivateKey(readFileSync(join(dev.configDir, 'kfm', 'keys', 'ed25519.pem'), 'utf8'))).export({ format: 'pem', type: 'spki' }) as string;
    const pemFile = join(dev.configDir, 'dev.pub.pem');
    writeFileSync(pemFile, pem);
    expect((await dev.run(['receipts', 'trust', 'add', pemFile, 'dev'])).code).toBe(0);
    dev.write({ 'kfmfile.ts': kfmfile('2') });
    const changed = await build(dev, 'p1');
    expect(changed.runs).toEqual({ c2: 1 });
    expect(changed.result.stderr).not.toContain('not writing');
    expect(await listKeys('p1/ac/')).toContain(`p1/ac/${keyHex(changed.report, 'c')}.json`);
  }, 240_000);

  it('rejects poisoned entries: the node runs locally with the right bytes, and the rejection is reported', async () => {
    const ci = project();
    const published = await build(ci, 'src');
    const entryText = (await s3.getRaw(`src/ac/${keyHex(published.report, 'a')}.json`))!.toString('utf8');
    const envelope = JSON.parse(entryText) as { payload: string; signatures: { keyid: string; sig: string }[] };
    const payload = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as CacheEntry;
    const attacker = generateKeyPairSync('ed25519');
    const attackerKeyid = `sha256:${createHash('sha256').update(Buffer.from(attacker.publicKey.export({ format: 'jwk' }).x!, 'base64url')).digest('hex')}`;
    const evil = 'owned';
    const altered: CacheEntry = { ...payload, outputs: [{ ...payload.outputs[0]!, digest: digestOf(evil) as CacheEntry['key'], size: evil.length }] };
    const { outputsDigest } = await import('../../engine/schedule/outputsDigest.js');
    altered.outputs_digest = outputsDigest(altered.outputs);

    const cases: { name: string; node: string; reason: RegExp; poison: (prefix: string) => Promise<void> }[] = [
      { name: 'unsigned', node: 'a', reason: /^unsigned$/, poison: (p) => s3.putRaw(`${p}/ac/${keyHex(published.report, 'a')}.json`, JSON.stringify(altered)) },
      {
        name: 'attacker-signed',
        node: 'a',
        reason: new RegExp(`^signed by unpinned key ${attackerKeyid}$`),
        poison: (p) => s3.putRaw(`${p}/ac/${keyHex(published.report, 'a')}.json`, signCacheEntry(altered, { keyid: attackerKeyid, privateKey: attacker.privateKey })),
      },
      {
        name: 'altered payload',
        node: 'a',
        reason: /^bad signature$/,
        poison: async (p) => {
          const hex = digestOf(evil).slice(7);
          await s3.putRaw(`${p}/sha256/${hex.slice(0, 2)}/${hex}`, evil);
          await s3.putRaw(`${p}/ac/${keyHex(published.report, 'a')}.json`, JSON.stringify({ ...envelope, payload: Buffer.from(JSON.stringify(altered)).toString('base64') }));
        },
      },
      { name: 'copied to another key', node: 'b', reason: /^entry is for another key\/node/, poison: (p) => s3.putRaw(`${p}/ac/${keyHex(published.report, 'b')}.json`, entryText) },
    ];
    for (const [i, c] of cases.entries()) {
      const prefix = `poison${i}`;
      await c.poison(prefix);
      const dev = devOf(ci);
      const got = await build(dev, prefix);
      expect(got.result.code, c.name).toBe(0);
      expect(got.runs, c.name).toEqual({ a: 1, b: 1, c: 1 });
      for (const id of ['a', 'b', 'c']) expect(localObject(dev, digestOf(OUT[id]!)), c.name).toBe(OUT[id]);
      expect(localObject(dev, digestOf(evil)), c.name).toBeUndefined();
      const rejected = (got.report as unknown as { shared_cache: { rejected: { node: string; key: string; reason: string }[] } }).shared_cache.rejected;
      expect(rejected, c.name).toHaveLength(1);
      expect(rejected[0]!.node).toBe(`ks/${c.node}`);
      expect(rejected[0]!.key.slice(7)).toBe(keyHex(published.report, c.node));
      expect(rejected[0]!.reason, c.name).toMatch(c.reason);
      const line = `kfm: shared cache: rejected the entry for ks/${c.node} (key ${keyHex(published.report, c.node).slice(0, 12)}): `;
      expect(got.result.stderr.split('\n').filter((l) => l.startsWith(line)), c.name).toHaveLength(1);
      // Plain output: the same line, and the count in the summary.
      const plain = project();
      writeFileSync(plain.path('kfm.trust.json'), ci.read('kfm.trust.json'));
      const p = await plain.run(['build'], { env: { ...s3.env, KFM_CACHE: `s3://${s3.bucket}/${prefix}` } });
      expect(p.code, c.name).toBe(0);
      expect(p.stderr, c.name).toContain(line);
      expect(p.stdout, c.name).toContain('1 shared-cache entry rejected');
    }
  }, 400_000);

  it('an unreachable cache: the build succeeds locally with one warning', async () => {
    const ci = project();
    const got = await build(ci, 'down', { KFM_S3_ENDPOINT: 'http://127.0.0.1:9' });
    expect(got.result.code).toBe(0);
    expect(got.runs).toEqual({ a: 1, b: 1, c: 1 });
    expect(got.result.stderr.match(/the shared cache is unavailable, building locally/g)).toHaveLength(1);
    expect(got.result.stderr).not.toContain('S3RVER');
  }, 120_000);
});
