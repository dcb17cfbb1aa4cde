/**
 * SharedCache against a real S3 server (s3rver): publishing writes objects then the signed
 * entry; a lookup copies verified objects into the local store; an entry whose object is
 * missing or corrupt in the bucket is rejected; an unpinned signer writes nothing.
 */
import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSharedCache } from '../../engine/cache/openSharedCache.js';
import { SharedCache, entryName } from '../../engine/cache/sharedCache.js';
import { outputsDigest } from '../../engine/schedule/outputsDigest.js';
import { MemoryContentStore } from '../../store/memory/memoryContentStore.js';
import type { NodeResult } from '../../store/state.js';
import { startS3, type S3Server } from '../support/s3.js';

let s3: S3Server;
beforeAll(async () => {
  s3 = await startS3();
  Object.assign(process.env, s3.env);
}, 60_000);
afterAll(async () => {
  await s3?.stop();
});

const signer = (() => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const keyid = `sha256:${createHash('sha256').update(Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url')).digest('hex')}`;
  return { keyid, privateKey, publicKey };
})();
const pinned = new Map<string, KeyObject>([[signer.keyid, signer.publicKey]]);
const descriptor = (prefix: string) => ({ kind: 's3' as const, bucket: 'kfm-test', prefix, endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true });

async function published(prefix: string, text: string): Promise<{ result: NodeResult; cache: SharedCache }> {
  const local = new MemoryContentStore();
  const o = await local.put(Buffer.from(text));
  const outputs = [{ name: 'out.txt', digest: o.digest, size: o.size, media_type: 'text/plain' }];
  const key = `sha256:${createHash('sha256').update(prefix + text).digest('hex')}` as const;
  const result: NodeResult = { nodeId: 'ks/a', key, keyDoc: '{}', outputs, outputsDigest: outputsDigest(outputs), meta: {}, runId: 'r', finishedAt: 't', durationMs: 1 };
  const cache = new SharedCache(descriptor(prefix), pinned, signer);
  await cache.publish!(result, local);
  return { result, cache };
}

describe('SharedCache', () => {
  it('publishes objects and a signed entry; a lookup copies the verified objects into the local store', async () => {
    const { result, cache } = await published('u1/', 'hello');
    const hex = result.outputs[0]!.digest.slice(7);
    expect((await s3.getRaw(`u1/sha256/${hex.slice(0, 2)}/${hex}`))?.toString()).toBe('hello');
    expect(await s3.getRaw(`u1/${entryName(result.key)}`)).toBeDefined();
    const local = new MemoryContentStore();
    const found = await cache.lookup('ks/a', result.key, local);
    expect(found.type).toBe('hit');
    expect((await local.get(result.outputs[0]!.digest)).toString()).toBe('hello');
    expect(await cache.lookup('ks/a', `sha256:${'0'.repeat(64)}`, local)).toEqual({ type: 'absent' });
    cache.close();
  });

  it('rejects an entry whose object is missing or corrupt in the bucket', async () => {
    const { result, cache } = await published('u2/', 'world');
    const hex = result.outputs[0]!.digest.slice(7);
    await s3.putRaw(`u2/sha256/${hex.slice(0, 2)}/${hex}`, 'WORLD'); // same size, other bytes
    const local = new MemoryContentStore();
    const corrupt = await cache.lookup('ks/a', result.key, local);
    expect(corrupt).toEqual({ type: 'rejected', reason: `object missing/corrupt (out.txt ${hex.slice(0, 12)})` });
    expect(await local.has(result.outputs[0]!.digest)).toBe(false);
    await s3.deleteRaw(`u2/sha256/${hex.slice(0, 2)}/${hex}`);
    expect(await cache.lookup('ks/a', result.key, local)).toEqual({ type: 'rejected', reason: `object missing/corrupt (out.txt ${hex.slice(0, 12)})` });
    cache.close();
  });

  it('has no publish without a pinned signer', () => {
    const cache = new SharedCache(descriptor('u3/'), pinned, undefined);
    expect(cache.publish).toBeNull();
    cache.close();
  });

  it('reports an unreachable server as an error, not a rejection', async () => {
    const cache = new SharedCache({ ...descriptor('u4/'), endpoint: 'http://127.0.0.1:9' }, pinned, undefined);
    const found = await cache.lookup('ks/a', `sha256:${'0'.repeat(64)}`, new MemoryContentStore());
    expect(found.type).toBe('error');
    expect(JSON.stringify(found)).not.toContain(s3.env.AWS_SECRET_ACCESS_KEY);
    cache.close();
  });

  it('openSharedCache: unset is none, a non-s3 URL is a usage error, and it says why it does not write', () => {
    const root = mkdtempSync(join(tmpdir(), 'kfm-cache-open-'));
    const config = mkdtempSync(join(tmpdir(), 'kfm-cache-config-'));
    try {
      expect(openSharedCache(root, {})).toBeUndefined();
      expect(() => openSharedCache(root, { KFM_CACHE: 'http://user:pw@host/x' })).toThrow(/KFM_CACHE is .*give s3:\/\/bucket\/prefix/);
      expect(() => openSharedCache(root, { KFM_CACHE: 'http://user:pw@host/x' })).not.toThrow(/pw/);
      const ro = openSharedCache(root, { ...s3.env, KFM_CACHE: 's3://kfm-test/o', KFM_CACHE_WRITE: '0' })!;
      expect(ro.notices).toEqual(['not writing the shared cache: KFM_CACHE_WRITE=0']);
      expect(ro.cache.publish).toBeNull();
      ro.cache.close();
      mkdirSync(join(config, 'kfm', 'keys'), { recursive: true });
      writeFileSync(join(config, 'kfm', 'keys', 'ed25519.pem'), signer.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, { mode: 0o600 });
      const unpinned = openSharedCache(root, { ...s3.env, KFM_CACHE: 's3://kfm-test/o', XDG_CONFIG_HOME: config })!;
      expect(unpinned.notices).toEqual([`not writing the shared cache: this machine's key ${signer.keyid} is not pinned in kfm.trust.json`]);
      unpinned.cache.close();
      const pem = signer.publicKey.export({ format: 'pem', type: 'spki' }) as string;
      writeFileSync(join(root, 'kfm.trust.json'), JSON.stringify({ kfm_trust_version: 'v1', keys: [{ keyid: signer.keyid, public_key: pem, owner: 'ci' }] }));
      const writer = openSharedCache(root, { ...s3.env, KFM_CACHE: 's3://kfm-test/o', XDG_CONFIG_HOME: config })!;
      expect(writer.notices).toEqual([]);
      expect(writer.cache.publish).not.toBeNull();
      writer.cache.close();
    } finally {
      rmSync(root, { recursive: true, force: true });
      rmSync(config, { recursive: true, force: true });
    }
  });
});
