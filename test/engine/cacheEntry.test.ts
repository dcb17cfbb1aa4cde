import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CACHE_ENTRY_PAYLOAD_TYPE, signCacheEntry, verifyCacheEntry, type CacheEntry } from '../../engine/cache/cacheEntry.js';
import { outputsDigest } from '../../engine/schedule/outputsDigest.js';

const keyOf = () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const keyid = `sha256:${createHash('sha256').update(Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url')).digest('hex')}`;
  return { keyid, privateKey, publicKey };
};
const d = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}` as const;
const outputs = [{ name: 'out.txt', digest: d('a'), size: 1, media_type: 'text/plain' }];
const entry: CacheEntry = { kfm_cache_entry_version: 'v1', node_id: 'ks/a', key: d('key'), key_doc: '{}', outputs, outputs_digest: outputsDigest(outputs), meta: {} };
const ci = keyOf();
const pinned = new Map<string, KeyObject>([[ci.keyid, ci.publicKey]]);
const want = { nodeId: 'ks/a', key: d('key') };

describe('verifyCacheEntry', () => {
  it('accepts an entry signed by a pinned key for the key and node asked for', () => {
    const v = verifyCacheEntry(signCacheEntry(entry, ci), pinned, want);
    expect(v).toEqual({ ok: true, value: entry });
  });

  it('rejects each kind of poisoning with its reason', () => {
    const reason = (text: string, w = want) => {
      const v = verifyCacheEntry(text, pinned, w);
      return v.ok ? 'accepted' : v.error;
    };
    expect(reason(JSON.stringify(entry))).toBe('unsigned');
    const signed = JSON.parse(signCacheEntry(entry, ci)) as { payload: string; signatures: unknown[] };
    expect(reason(JSON.stringify({ ...signed, signatures: [] }))).toBe('unsigned');
    const attacker = keyOf();
    expect(reason(signCacheEntry(entry, attacker))).toBe(`signed by unpinned key ${attacker.keyid}`);
    const evil = [{ ...outputs[0]!, digest: d('evil') }];
    const payload = Buffer.from(JSON.stringify({ ...entry, outputs: evil, outputs_digest: outputsDigest(evil) })).toString('base64');
    expect(reason(JSON.stringify({ ...signed, payload }))).toBe('bad signature');
    expect(reason(signCacheEntry(entry, ci), { nodeId: 'ks/a', key: d('other') })).toMatch(/^entry is for another key\/node/);
    expect(reason(signCacheEntry(entry, ci), { nodeId: 'ks/b', key: d('key') })).toMatch(/^entry is for another key\/node/);
    expect(reason(signCacheEntry({ ...entry, outputs: evil }, ci))).toBe('outputs digest mismatch');
    expect(reason(signCacheEntry({ ...entry, kfm_cache_entry_version: 'v2' as 'v1' }, ci))).toMatch(/^not a cache entry \(schema\)/);
    expect(reason('not json')).toMatch(/^not a cache entry/);
    const inToto = JSON.stringify({ ...signed, payloadType: 'application/vnd.in-toto+json' });
    expect(reason(inToto)).toMatch(/^not a cache entry .*payload type/);
    expect(CACHE_ENTRY_PAYLOAD_TYPE).toBe('application/vnd.kfm.cache-entry.v1+json');
  });
});
