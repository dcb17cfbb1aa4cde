import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Digest } from '../../core/digest.js';
import { KfmError } from '../../core/error.js';
import { FileContentStore } from '../../store/contentStore.js';

const sha256 = (bytes: string | Buffer): Digest => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

let dir: string;
let store: FileContentStore;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kfm-store-'));
  store = new FileContentStore(join(dir, 'store'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Files (not the per-thread directories holding them) under the store's tmp/. */
const tmpEntries = () =>
  readdirSync(join(dir, 'store', 'tmp'), { recursive: true, withFileTypes: true })
    .filter((e) => !e.isDirectory())
    .map((e) => e.name);

/** Replaces an object's bytes behind the store's back (objects are read-only). */
function tamper(digest: Digest, bytes: string): void {
  const path = store.pathOf(digest);
  chmodSync(path, 0o644);
  writeFileSync(path, bytes);
  chmodSync(path, 0o444);
}

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

function expectKfmError(fn: () => unknown, code: string, message: string): void {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(KfmError);
  expect({ code: (thrown as KfmError).code, message: (thrown as KfmError).message }).toEqual({ code, message });
}

describe('FileContentStore', () => {
  it('stores bytes under their SHA-256, at objects/<2 hex>/<62 hex>', async () => {
    const put = store.putBytes(Buffer.from('hello'));
    expect(put).toEqual({ digest: sha256('hello'), size: 5 });
    const hex = put.digest.slice(7);
    expect(store.pathOf(put.digest)).toBe(join(dir, 'store', 'objects', hex.slice(0, 2), hex.slice(2)));
    expect(readFileSync(store.pathOf(put.digest), 'utf8')).toBe('hello');
    expect(store.read(put.digest).toString()).toBe('hello');
    expect(store.hasSync(put.digest)).toBe(true);
    expect(store.hasSync(put.digest, 5)).toBe(true);
    expect(store.hasSync(put.digest, 6)).toBe(false);
    expect(store.checkSync(put.digest)).toBe('ok');
    expect(await all(store.digests())).toEqual([put.digest]);
  });

  it('stores an empty object', () => {
    const put = store.putBytes(new Uint8Array());
    expect(put).toEqual({ digest: sha256(''), size: 0 });
    expect(store.read(put.digest).length).toBe(0);
  });

  it('dedupes: the same bytes are stored once and the object is not rewritten', async () => {
    const a = store.putBytes(Buffer.from('same'));
    const before = statSync(store.pathOf(a.digest));
    const b = store.putBytes(Buffer.from('same'));
    const source = join(dir, 'same.txt');
    writeFileSync(source, 'same');
    const c = store.putFile(source);
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    const after = statSync(store.pathOf(a.digest));
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
    expect(await all(store.digests())).toEqual([a.digest]);
    expect(tmpEntries()).toEqual([]);
  });

  it('putFile copies: the source file stays, with its own inode', () => {
    const source = join(dir, 'input.csv');
    writeFileSync(source, 'a,b\n1,2\n');
    const put = store.putFile(source);
    expect(put).toEqual({ digest: sha256('a,b\n1,2\n'), size: 8 });
    expect(readFileSync(source, 'utf8')).toBe('a,b\n1,2\n');
    expect(statSync(source).ino).not.toBe(statSync(store.pathOf(put.digest)).ino);
  });

  it('makes objects read-only', () => {
    const a = store.putBytes(Buffer.from('ro'));
    const source = join(dir, 'f.txt');
    writeFileSync(source, 'from a file');
    const b = store.putFile(source);
    for (const d of [a.digest, b.digest]) expect(statSync(store.pathOf(d)).mode & 0o777).toBe(0o444);
    // The user's file keeps its mode.
    expect(statSync(source).mode & 0o200).toBe(0o200);
  });

  it('writes atomically: no temp file stays after a put, and stray temp files of a killed writer are swept', async () => {
    store.putBytes(Buffer.from('one'));
    const source = join(dir, 'two.txt');
    writeFileSync(source, 'two');
    store.putFile(source);
    expect(tmpEntries()).toEqual([]);

    // A writer killed between write and rename leaves a temp file; objects never show it.
    writeFileSync(join(dir, 'store', 'tmp', '4242-00112233aabbccdd'), 'half');
    store.putBytes(Buffer.from('three'));
    expect((await all(store.digests())).sort()).toEqual([sha256('one'), sha256('three'), sha256('two')].sort());
    expect(store.sweepTemp()).toBe(1);
    expect(tmpEntries()).toEqual([]);
  });

  it('read() and check() detect a corrupt object', () => {
    const put = store.putBytes(Buffer.from('original'));
    tamper(put.digest, 'tampered');
    expect(store.checkSync(put.digest)).toBe('corrupt');
    expectKfmError(() => store.read(put.digest), 'store', `store object ${put.digest} is corrupt: its bytes hash to ${sha256('tampered')}`);
  });

  it('put replaces a truncated object', () => {
    const put = store.putBytes(Buffer.from('complete bytes'));
    tamper(put.digest, 'compl');
    expect(store.hasSync(put.digest, put.size)).toBe(false);
    store.putBytes(Buffer.from('complete bytes'));
    expect(store.checkSync(put.digest)).toBe('ok');
    expect(store.read(put.digest).toString()).toBe('complete bytes');
  });

  it('a missing object: has() is false, check() says missing, read() names the path', () => {
    const digest = sha256('never stored');
    expect(store.hasSync(digest)).toBe(false);
    expect(store.checkSync(digest)).toBe('missing');
    expectKfmError(() => store.read(digest), 'store', `store object ${digest} is missing (${store.pathOf(digest)})`);
  });
});
