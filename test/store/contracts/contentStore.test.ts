import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Digest } from '../../../core/digest.js';
import { KfmError } from '../../../core/error.js';
import { FileContentStore, type ContentStore } from '../../../store/contentStore.js';
import { MemoryContentStore } from '../../../store/memory/memoryContentStore.js';
import { openStore } from '../../../store/openStore.js';
import { S3ContentStore } from '../../../store/s3/s3ContentStore.js';
import type { Awaitable } from '../../../store/awaitable.js';
import { startS3, type S3Server } from '../../support/s3.js';

const sha256 = (bytes: string | Uint8Array): Digest => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

interface Subject {
  store: ContentStore;
  /** Replaces an object's bytes behind the store's back. */
  corrupt(digest: Digest, bytes: string): Awaitable<void>;
  /** Removes an object behind the store's back. */
  drop(digest: Digest): Awaitable<void>;
  /** The bytes `quarantine` moved aside for this digest (the first time), if any. */
  quarantined(digest: Digest): Awaitable<string | undefined>;
  /** Whether `materialize(…, 'link')` shares the object's inode. */
  links: boolean;
  cleanup(): void;
}

/** The S3 server the S3 store's subjects share (each test its own prefix); started by the file's beforeAll. */
let s3: S3Server | undefined;
let s3Prefixes = 0;
beforeAll(async () => {
  s3 = await startS3();
  for (const [k, v] of Object.entries(s3.env)) process.env[k] = v;
}, 60_000);
afterAll(async () => {
  await s3?.stop();
});

const implementations: { name: string; open(dir: string): Subject }[] = [
  ...(['object', 'deferred'] as const).map((durability) => ({
    name: `FileContentStore (${durability})`,
    open(dir: string): Subject {
      const store = new FileContentStore(join(dir, 'store'), durability);
      return {
        store,
        corrupt(digest, bytes) {
          const path = store.pathOf(digest);
          chmodSync(path, 0o644);
          writeFileSync(path, bytes);
          chmodSync(path, 0o444);
        },
        drop: (digest) => unlinkSync(store.pathOf(digest)),
        quarantined(digest) {
          const path = join(dir, 'store', 'corrupt', digest.slice('sha256:'.length));
          return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
        },
        links: true,
        cleanup: () => undefined,
      };
    },
  })),
  {
    name: 'MemoryContentStore',
    open(): Subject {
      const store = new MemoryContentStore();
      return {
        store,
        corrupt: (digest, bytes) => store.corrupt(digest, Buffer.from(bytes)),
        drop: (digest) => store.drop(digest),
        quarantined: (digest) => store.quarantined().find(([d]) => d === digest)?.[1].toString('utf8'),
        links: false,
        cleanup: () => store.dispose(),
      };
    },
  },
  {
    name: 'S3ContentStore (s3rver)',
    open(): Subject {
      const server = s3!;
      const prefix = `contract-${s3Prefixes++}/`;
      const store = new S3ContentStore({ kind: 's3', bucket: server.bucket, prefix, endpoint: server.endpoint, region: 'us-east-1', forcePathStyle: true });
      return {
        store,
        corrupt: (digest, bytes) => server.putRaw(store.keyOf(digest), bytes),
        drop: (digest) => server.deleteRaw(store.keyOf(digest)),
        quarantined: async (digest) => (await server.getRaw(`${prefix}corrupt/${digest.slice('sha256:'.length)}`))?.toString('utf8'),
        links: false,
        cleanup: () => store.close(),
      };
    },
  },
];

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

async function* chunks(...parts: string[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield Buffer.from(p);
}

async function rejection(p: Promise<unknown>): Promise<KfmError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(KfmError);
    return e as KfmError;
  }
  throw new Error('expected a rejection');
}

describe.each(implementations)('ContentStore contract: $name', (impl) => {
  let dir: string;
  let s: Subject;
  let store: ContentStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kfm-cs-contract-'));
    s = impl.open(dir);
    store = s.store;
  });
  afterEach(() => {
    s.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('round-trips bytes under their SHA-256', async () => {
    const put = await store.put(Buffer.from('hello'));
    expect(put).toEqual({ digest: sha256('hello'), size: 5 });
    expect(await store.has(put.digest)).toBe(true);
    expect(await store.has(put.digest, 5)).toBe(true);
    expect(await store.has(put.digest, 6)).toBe(false);
    expect((await store.get(put.digest)).toString()).toBe('hello');
    expect(Buffer.concat(await all(store.stream(put.digest))).toString()).toBe('hello');
    expect(await store.check(put.digest)).toBe('ok');
    expect(await all(store.digests())).toEqual([put.digest]);
  });

  it('stores an empty object', async () => {
    const put = await store.put(new Uint8Array());
    expect(put).toEqual({ digest: sha256(''), size: 0 });
    expect((await store.get(put.digest)).length).toBe(0);
    expect(await all(store.stream(put.digest))).toEqual([]);
    expect(await store.check(put.digest)).toBe('ok');
  });

  it('puts are idempotent: the same bytes, by put or putStream, are one object', async () => {
    const a = await store.put(Buffer.from('same bytes'));
    const b = await store.put(Buffer.from('same bytes'));
    const c = await store.putStream(chunks('same ', 'bytes'));
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    expect(await all(store.digests())).toEqual([a.digest]);
  });

  it('putStream stores the concatenated chunks, digested as written', async () => {
    const big = Buffer.alloc(300_000, 7);
    const put = await store.putStream(
      (async function* () {
        yield Buffer.from('head:');
        yield big;
        // The source reuses its buffer after each chunk: what was stored is what was written then.
        const reused = Buffer.from(':tail');
        yield reused;
        reused.fill(0);
      })(),
    );
    const expected = Buffer.concat([Buffer.from('head:'), big, Buffer.from(':tail')]);
    expect(put).toEqual({ digest: sha256(expected), size: expected.length });
    expect((await store.get(put.digest)).equals(expected)).toBe(true);
    expect(Buffer.concat(await all(store.stream(put.digest))).equals(expected)).toBe(true);
  });

  it('a failing source stores nothing', async () => {
    await store.put(Buffer.from('kept'));
    const failing = (async function* () {
      yield Buffer.from('partial');
      throw new Error('source broke');
    })();
    await expect(store.putStream(failing)).rejects.toThrow('source broke');
    expect(await all(store.digests())).toEqual([sha256('kept')]);
  });

  it('returns copies: changing what get returned or what was put changes nothing stored', async () => {
    const bytes = Buffer.from('original');
    const put = await store.put(bytes);
    bytes.fill(0);
    const got = await store.get(put.digest);
    got.fill(0);
    expect((await store.get(put.digest)).toString()).toBe('original');
  });

  it('lists digests in code-point order', async () => {
    const puts = await Promise.all(['one', 'two', 'three', 'four'].map((w) => store.put(Buffer.from(w))));
    expect(await all(store.digests())).toEqual(puts.map((p) => p.digest).sort());
  });

  it('a missing object: has is false, check says missing, get and stream name the digest', async () => {
    const digest = sha256('never stored');
    expect(await store.has(digest)).toBe(false);
    expect(await store.check(digest)).toBe('missing');
    const e = await rejection(store.get(digest));
    expect(e.code).toBe('store');
    expect(e.message).toMatch(new RegExp(`^store object ${digest} is missing`));
    const se = await rejection(all(store.stream(digest)));
    expect(se.code).toBe('store');
    expect(se.message).toMatch(new RegExp(`^store object ${digest} is missing`));
    expect((await rejection(store.materialize(digest, join(dir, 'out', 'm.txt'), 'copy'))).code).toBe('store');
    expect(existsSync(join(dir, 'out', 'm.txt'))).toBe(false);
  });

  it('an object dropped behind the store is missing', async () => {
    const put = await store.put(Buffer.from('here, then gone'));
    await s.drop(put.digest);
    expect(await store.has(put.digest)).toBe(false);
    expect(await store.check(put.digest)).toBe('missing');
    expect((await rejection(store.get(put.digest))).code).toBe('store');
  });

  it('verifies: a corrupt object is never handed out as its digest', async () => {
    const put = await store.put(Buffer.from('original'));
    await s.corrupt(put.digest, 'tampered');
    expect(await store.check(put.digest)).toBe('corrupt');
    const e = await rejection(store.get(put.digest));
    expect({ code: e.code, message: e.message }).toEqual({
      code: 'store',
      message: `store object ${put.digest} is corrupt: its bytes hash to ${sha256('tampered')}`,
    });
    // has is a cheap presence check, not a verification.
    expect(await store.has(put.digest)).toBe(true);
  });

  it('stream verifies at the end: the chunks come, then the error', async () => {
    const put = await store.put(Buffer.alloc(200_000, 1));
    await s.corrupt(put.digest, 'x'.repeat(200_000));
    const seen: Buffer[] = [];
    let thrown: unknown;
    try {
      for await (const chunk of store.stream(put.digest)) seen.push(chunk);
    } catch (e) {
      thrown = e;
    }
    expect(Buffer.concat(seen).toString()).toBe('x'.repeat(200_000));
    expect(thrown).toBeInstanceOf(KfmError);
    expect((thrown as KfmError).message).toBe(`store object ${put.digest} is corrupt: its bytes hash to ${sha256('x'.repeat(200_000))}`);
  });

  it('a put repairs a corrupt object', async () => {
    const put = await store.put(Buffer.from('complete bytes'));
    await s.corrupt(put.digest, 'compl');
    expect(await store.has(put.digest, put.size)).toBe(false);
    await store.put(Buffer.from('complete bytes'));
    expect(await store.check(put.digest)).toBe('ok');
    expect((await store.get(put.digest)).toString()).toBe('complete bytes');
  });

  it('quarantine moves a same-size corrupt object aside: then missing, and a put writes it again', async () => {
    const put = await store.put(Buffer.from('complete bytes'));
    await s.corrupt(put.digest, 'complete bytez');
    // Same size: has (a stat) cannot tell; check (a re-hash) can.
    expect(await store.has(put.digest, put.size)).toBe(true);
    expect(await store.check(put.digest)).toBe('corrupt');
    expect(await store.quarantine(put.digest)).toBe('quarantined');
    expect(await s.quarantined(put.digest)).toBe('complete bytez');
    expect(await store.has(put.digest)).toBe(false);
    expect(await store.check(put.digest)).toBe('missing');
    expect(await all(store.digests())).toEqual([]);
    expect(await store.quarantine(put.digest)).toBe('missing');
    await store.put(Buffer.from('complete bytes'));
    expect(await store.check(put.digest)).toBe('ok');
    expect((await store.get(put.digest)).toString()).toBe('complete bytes');
  });

  it('flush accepts stored objects and refuses a digest it does not hold', async () => {
    const a = await store.put(Buffer.from('a'));
    const b = await store.putStream(chunks('b'));
    await store.flush([a.digest, b.digest]);
    await store.flush([]);
    const missing = sha256('not here');
    const e = await rejection(store.flush([a.digest, missing]));
    expect(e.code).toBe('store');
    expect(e.message).toContain(missing);
  });

  it('materialize copy: an independent read-only file with the bytes; again is present', async () => {
    const put = await store.put(Buffer.from('copy me'));
    const target = join(dir, 'out', 'deep', 'copy.txt');
    expect(await store.materialize(put.digest, target, 'copy')).toBe('written');
    expect(readFileSync(target, 'utf8')).toBe('copy me');
    const st = statSync(target);
    expect(st.nlink).toBe(1);
    expect(st.mode & 0o777).toBe(0o444);
    expect(await store.materialize(put.digest, target, 'copy')).toBe('present');
    expect(await store.materialize(put.digest, target, 'link')).toBe('present');
    // The copy is the caller's: removing it leaves the object.
    unlinkSync(target);
    expect(await store.check(put.digest)).toBe('ok');
  });

  it('materialize link: a hard link to the object where the store can, else a copy', async () => {
    const put = await store.put(Buffer.from('link me'));
    const target = join(dir, 'out', 'link.txt');
    expect(await store.materialize(put.digest, target, 'link')).toBe('written');
    expect(readFileSync(target, 'utf8')).toBe('link me');
    const st = statSync(target);
    expect(st.nlink).toBe(s.links ? 2 : 1);
    expect(st.mode & 0o222).toBe(0);
    expect(await store.materialize(put.digest, target, 'link')).toBe('present');
  });

  it('materialize never rewrites a path holding other bytes, and never places corrupt bytes', async () => {
    const put = await store.put(Buffer.from('the object'));
    const taken = join(dir, 'out', 'taken.txt');
    await store.materialize((await store.put(Buffer.from('other bytes'))).digest, taken, 'copy');
    for (const mode of ['copy', 'link'] as const) {
      const e = await rejection(store.materialize(put.digest, taken, mode));
      expect(e.code).toBe('store');
      expect(e.message).toBe(`${taken} already holds other bytes than ${put.digest}: an existing file is never rewritten`);
      expect(readFileSync(taken, 'utf8')).toBe('other bytes');
    }
    await s.corrupt(put.digest, 'tampered');
    for (const mode of ['copy', 'link'] as const) {
      const target = join(dir, 'out', `corrupt-${mode}.txt`);
      const e = await rejection(store.materialize(put.digest, target, mode));
      expect(e.message).toBe(`store object ${put.digest} is corrupt: its bytes hash to ${sha256('tampered')}`);
      expect(existsSync(target)).toBe(false);
    }
  });

  it('its descriptor is plain data that opens the same store (what a worker thread gets)', async () => {
    const put = await store.put(Buffer.from('shared'));
    const descriptor = structuredClone(store.descriptor);
    expect(descriptor).toEqual(store.descriptor);
    const again = openStore(descriptor);
    expect(again.descriptor).toEqual(store.descriptor);
    expect((await again.get(put.digest)).toString()).toBe('shared');
    const more = await again.put(Buffer.from('written through the other handle'));
    expect(await store.has(more.digest)).toBe(true);
  });
});

describe('MemoryContentStore hooks and registry', () => {
  it('loses what was never flushed, as a power cut would, and records each flush', async () => {
    const store = new MemoryContentStore();
    try {
      const a = await store.put(Buffer.from('flushed'));
      const b = await store.put(Buffer.from('not flushed'));
      await store.flush([a.digest]);
      expect(store.flushes).toEqual([[a.digest]]);
      expect(store.unflushed()).toEqual([b.digest]);
      expect(store.loseUnflushed()).toBe(1);
      expect(await store.has(a.digest)).toBe(true);
      expect(await store.has(b.digest)).toBe(false);
    } finally {
      store.dispose();
    }
  });

  it('is found by id until disposed; ids are unique in the process', () => {
    const store = new MemoryContentStore('contract-test-id');
    expect(openStore({ kind: 'memory', id: 'contract-test-id' })).toBe(store);
    expect(() => new MemoryContentStore('contract-test-id')).toThrow(KfmError);
    store.dispose();
    expect(() => openStore({ kind: 'memory', id: 'contract-test-id' })).toThrow(
      new KfmError('store', 'no in-memory content store contract-test-id in this thread: memory stores serve in-process runners only'),
    );
  });
});
