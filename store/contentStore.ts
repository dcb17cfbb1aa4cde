import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  copyFileSync,
  createReadStream,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { chmod, link, mkdir, open, readdir, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { compareCodePoints } from '../core/compareCodePoints.js';
import { digestHex, type Digest } from '../core/digest.js';
import { KfmError } from '../core/error.js';
import { hashFileSync } from '../core/hashFile.js';
import { syncFileSystem, syncFileSystemAsync } from './syncFileSystem.js';

export type ObjectCheck = 'ok' | 'missing' | 'corrupt';

/** What a put stored: the object's digest and byte size. */
export interface StoredObject {
  digest: Digest;
  size: number;
}

/**
 * Plain, structured-cloneable data that opens the same store again, in another thread or
 * process (`openStore`): what a job carries to a worker instead of a store object.
 * `memory` stores live in one process's registry, so they serve in-process runners only.
 */
export type StoreDescriptor = { kind: 'local'; root: string; durability: Durability } | { kind: 'memory'; id: string } | S3StoreDescriptor;

/**
 * An S3 (or S3-compatible) store: where it is, never how to sign in. Credentials come from
 * the standard AWS environment (or profile) of each process that opens it, so a descriptor
 * can travel to a worker thread or a queue without carrying a secret.
 */
export interface S3StoreDescriptor {
  kind: 's3';
  bucket: string;
  /** Key prefix, empty or ending in `/`: objects live under `<prefix>sha256/<aa>/<hex>`. */
  prefix: string;
  /** Endpoint override (MinIO, a local test server); undefined: AWS S3 for the region. */
  endpoint?: string;
  region: string;
  /** Path-style addressing (`<endpoint>/<bucket>/<key>`), as MinIO and test servers need. */
  forcePathStyle: boolean;
}

/** How `materialize` places an object's bytes at a path. */
export type MaterializeMode = 'copy' | 'link';

/**
 * Bytes stored once under their SHA-256: the seam a local directory, an in-memory fake or
 * (later) an S3 bucket implements. Nothing here names a layout: a caller never learns where
 * an object lives, it asks for the bytes (`get`, `stream`) or for a file holding them
 * (`materialize`). Every read verifies: bytes that do not hash to their digest are never
 * handed out as that digest.
 */
export interface ContentStore {
  /** How to open this store again elsewhere (a worker thread). */
  readonly descriptor: StoreDescriptor;
  /** The object exists (with this byte size, when given). Cheap: no read of the bytes. */
  has(digest: Digest, size?: number): Promise<boolean>;
  /** The object's bytes, verified. Missing or corrupt: a KfmError `store` naming the digest. */
  get(digest: Digest): Promise<Buffer>;
  /** Stores bytes (idempotent: storing the same bytes again is a no-op returning the same digest). */
  put(bytes: Uint8Array): Promise<StoredObject>;
  /**
   * Stores a stream's bytes (a file: `createReadStream(path)`). The digest is of what was
   * written, re-hashed after writing, not of what the source claimed.
   */
  putStream(source: AsyncIterable<Uint8Array>): Promise<StoredObject>;
  /**
   * The object's bytes in chunks. Verified at the end: a corrupt object throws (KfmError
   * `store`) after its last chunk, so a consumer must not commit what it read until the
   * iteration completed. A missing object throws on the first chunk.
   */
  stream(digest: Digest): AsyncIterable<Buffer>;
  /**
   * Puts the object's bytes at `absPath` (its directory is created), read-only. `copy`: an
   * independent file. `link`: a hard link to the stored object where the store can (a local
   * store on the same file system), else a copy. The bytes are verified first. A path that
   * already exists is never rewritten: holding the same bytes it is `present`; holding other
   * bytes it is a KfmError `store`.
   */
  materialize(digest: Digest, absPath: string, mode: MaterializeMode): Promise<'written' | 'present'>;
  /** Re-hashes the object. */
  check(digest: Digest): Promise<ObjectCheck>;
  /**
   * Makes these objects durable: the engine awaits it before it records any result that
   * names them, so a recorded result never names bytes a crash could lose. A digest not in
   * the store is a KfmError `store`.
   */
  flush(digests: Iterable<Digest>): Promise<void>;
  /** Every object's digest, in code-point order. */
  digests(): AsyncIterable<Digest>;
  /**
   * Moves an object aside so that it is no longer served nor counted as present (`has` is
   * false after): what the engine does with an object whose bytes no longer hash to its
   * digest, so that its producer reruns and writes it again. The bytes are kept for a
   * post-mortem (a local store: `corrupt/<hex>`), never deleted. `missing`: there was no
   * object to move.
   */
  quarantine(digest: Digest): Promise<'quarantined' | 'missing'>;
}

/**
 * The file store's synchronous fast path, as today's engine calls it (layout included:
 * `root`, `pathOf`). Transitional: engine code moves to ContentStore (see the mapping in
 * the seams report); tooling that is local by nature (sweepTemp, the worker's task context)
 * may keep it.
 */
export interface LocalContentStore {
  readonly root: string;
  readonly durability: Durability;
  /** Makes these objects (and every object written so far) durable (see Durability). */
  sync(digests: Iterable<Digest>): void;
  /** `sync` without blocking the event loop. */
  syncAsync(digests: Iterable<Digest>): Promise<void>;
  /** The path an object lives at (whether or not it exists). */
  pathOf(digest: Digest): string;
  /** The object exists with the given size (a stat, no read). Today's `has`. */
  hasSync(digest: Digest, size?: number): boolean;
  putBytes(bytes: Uint8Array): StoredObject;
  /** Stores a file's bytes (copied; the source is left alone). */
  putFile(path: string): StoredObject;
  /** The object's bytes, verified: a missing or mismatching object throws. */
  read(digest: Digest): Buffer;
  /** Re-hashes an object. Today's `check`. */
  checkSync(digest: Digest): ObjectCheck;
}

/**
 * When objects reach stable storage. `object`: each is fsynced before it is renamed into
 * place. `deferred`: objects are renamed into place unsynced, and the engine flushes the
 * file system (`sync()`) before it records any result that names them, so a recorded
 * result never names bytes that a power cut could lose.
 */
export type Durability = 'object' | 'deferred';

const missing = (digest: Digest, where: string) => new KfmError('store', `store object ${digest} is missing (${where})`);
const corrupt = (digest: Digest, actual: Digest) => new KfmError('store', `store object ${digest} is corrupt: its bytes hash to ${actual}`);
const isCode = (e: unknown, ...codes: string[]) => codes.includes((e as NodeJS.ErrnoException).code ?? '');

/**
 * The content store on disk: `objects/<2 hex>/<62 hex>`, each written to `tmp/`, renamed
 * into place and made read-only. Writers never see each other's temp files, and a crash
 * leaves at worst a stray temp file (removed by `sweepTemp`).
 *
 * It implements ContentStore (async, no layout in sight) and, for today's callers, the
 * synchronous LocalContentStore: `putBytes`, `putFile`, `read`, `pathOf`, `sync`,
 * `syncAsync`, `hasSync` and `checkSync` are the local fast path.
 */
export class FileContentStore implements ContentStore, LocalContentStore {
  readonly root: string;
  readonly durability: Durability;
  readonly descriptor: StoreDescriptor;
  readonly #tmp: string;

  constructor(root: string, durability: Durability = 'object') {
    this.root = root;
    this.durability = durability;
    this.descriptor = { kind: 'local', root, durability };
    this.#tmp = join(root, 'tmp');
    mkdirSync(join(root, 'objects'), { recursive: true });
    mkdirSync(this.#tmp, { recursive: true });
  }

  pathOf(digest: Digest): string {
    const hex = digestHex(digest);
    return join(this.root, 'objects', hex.slice(0, 2), hex.slice(2));
  }

  /** `has`, synchronously (local fast path): a stat. */
  hasSync(digest: Digest, size?: number): boolean {
    const st = statSync(this.pathOf(digest), { throwIfNoEntry: false });
    return st !== undefined && st.isFile() && (size === undefined || st.size === size);
  }

  /** Local fast path: `put` without the event loop. */
  putBytes(bytes: Uint8Array): StoredObject {
    const digest: Digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    if (this.hasSync(digest, bytes.length)) return { digest, size: bytes.length };
    const tmp = this.#tempPath();
    const fd = this.#openTemp(tmp);
    try {
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
      if (this.durability === 'object') fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    this.#install(tmp, digest);
    return { digest, size: bytes.length };
  }

  /** Local fast path: `putStream(createReadStream(path))` as one copy_file_range. */
  putFile(path: string): StoredObject {
    const tmp = this.#tempPath();
    closeSync(this.#openTemp(tmp));
    copyFileSync(path, tmp);
    const { digest, size } = hashFileSync(tmp);
    if (this.hasSync(digest, size)) {
      unlinkSync(tmp);
      return { digest, size };
    }
    if (this.durability === 'object') {
      const fd = openSync(tmp, 'r+');
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
    this.#install(tmp, digest);
    return { digest, size };
  }

  /** Local fast path: `get` without the event loop. */
  read(digest: Digest): Buffer {
    let bytes: Buffer;
    try {
      bytes = readFileSync(this.pathOf(digest));
    } catch (e) {
      if (isCode(e, 'ENOENT')) throw missing(digest, this.pathOf(digest));
      throw e;
    }
    const actual: Digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    if (actual !== digest) throw corrupt(digest, actual);
    return bytes;
  }

  /** `check`, synchronously (local fast path; blocks for the object's size). */
  checkSync(digest: Digest): ObjectCheck {
    const path = this.pathOf(digest);
    if (!statSync(path, { throwIfNoEntry: false })) return 'missing';
    return hashFileSync(path).digest === digest ? 'ok' : 'corrupt';
  }

  /*
   * `has`, `get` and `put` do their file-system work synchronously inside the promise they
   * return: a stat, a read or a write of one object costs less than the round trips to
   * libuv's thread pool the promise API makes (four or five per object, on a pool of four
   * threads every worker thread shares), and they are what every task calls. Tasks run on
   * worker threads, so this blocks no other task; the engine's main thread calls them for
   * stats (the cache check) and small records (checksums.json, receipts). Streams, checks
   * and materialization stay asynchronous: they are the calls whose size has no bound.
   */

  async has(digest: Digest, size?: number): Promise<boolean> {
    try {
      return this.hasSync(digest, size);
    } catch (e) {
      if (isCode(e, 'ENOTDIR')) return false;
      throw e;
    }
  }

  async check(digest: Digest): Promise<ObjectCheck> {
    try {
      return (await hashFile(this.pathOf(digest))).digest === digest ? 'ok' : 'corrupt';
    } catch (e) {
      if (isCode(e, 'ENOENT')) return 'missing';
      throw e;
    }
  }

  async get(digest: Digest): Promise<Buffer> {
    return this.read(digest);
  }

  async put(bytes: Uint8Array): Promise<StoredObject> {
    return this.putBytes(bytes);
  }

  async putStream(source: AsyncIterable<Uint8Array>): Promise<StoredObject> {
    const tmp = await this.#tempPathAsync();
    const fh = await this.#openTempAsync(tmp);
    try {
      for await (const chunk of source) await writeAll(fh, chunk);
      if (this.durability === 'object') await fh.sync();
    } catch (e) {
      await fh.close();
      await unlink(tmp).catch(() => undefined);
      throw e;
    }
    await fh.close();
    // The digest is of what reached the file, not of what went by.
    const { digest, size } = await hashFile(tmp);
    if (this.hasSync(digest, size)) {
      await unlink(tmp);
      return { digest, size };
    }
    await this.#installAsync(tmp, digest);
    return { digest, size };
  }

  async *stream(digest: Digest): AsyncGenerator<Buffer> {
    const path = this.pathOf(digest);
    let fh: FileHandle;
    try {
      fh = await open(path, 'r');
    } catch (e) {
      if (isCode(e, 'ENOENT')) throw missing(digest, path);
      throw e;
    }
    const hash = createHash('sha256');
    try {
      for await (const chunk of fh.createReadStream({ highWaterMark: 1 << 20, autoClose: false }) as AsyncIterable<Buffer>) {
        hash.update(chunk);
        yield chunk;
      }
    } finally {
      await fh.close();
    }
    const actual: Digest = `sha256:${hash.digest('hex')}`;
    if (actual !== digest) throw corrupt(digest, actual);
  }

  async materialize(digest: Digest, absPath: string, mode: MaterializeMode): Promise<'written' | 'present'> {
    await mkdir(dirname(absPath), { recursive: true });
    const existing = await stat(absPath).catch((e: unknown) => {
      if (isCode(e, 'ENOENT')) return undefined;
      throw e;
    });
    if (existing) return this.#present(digest, absPath, existing);
    const object = this.pathOf(digest);
    if (mode === 'link') {
      // Verified before it is shared: a link to corrupt bytes would spread them.
      const { digest: actual } = await hashFile(object).catch((e: unknown) => {
        if (isCode(e, 'ENOENT')) throw missing(digest, object);
        throw e;
      });
      if (actual !== digest) throw corrupt(digest, actual);
      try {
        await link(object, absPath);
        return 'written';
      } catch (e) {
        if (isCode(e, 'EEXIST')) return this.#present(digest, absPath, await stat(absPath));
        // Another file system, or hard links not allowed there: copy instead.
        if (!isCode(e, 'EXDEV', 'EPERM', 'EMLINK', 'ENOTSUP', 'EOPNOTSUPP')) throw e;
      }
    }
    return materializeCopy(this.stream(digest), digest, absPath);
  }

  /** A path that exists: the same object (a link to it, or equal bytes) is fine; anything else is refused. */
  async #present(digest: Digest, absPath: string, st: Stats): Promise<'present'> {
    const object = await stat(this.pathOf(digest)).catch(() => undefined);
    if (object && object.ino === st.ino && object.dev === st.dev) return 'present';
    return presentOrRefuse(digest, absPath);
  }

  async flush(digests: Iterable<Digest>): Promise<void> {
    const list = [...digests];
    for (const d of list) if (!this.hasSync(d)) throw missing(d, this.pathOf(d));
    await this.syncAsync(list);
  }

  /**
   * Makes deferred objects durable (nothing to do in `object` mode): one syncfs of the
   * store's file system, or, where that is unavailable, an fsync of each named object.
   */
  sync(digests: Iterable<Digest>): void {
    if (this.durability !== 'deferred') return;
    if (this.#syncfs !== false) {
      this.#syncfs = syncFileSystem(this.root);
      if (this.#syncfs) return;
    }
    for (const d of digests) {
      const fd = openSync(this.pathOf(d), 'r');
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
  }

  async syncAsync(digests: Iterable<Digest>): Promise<void> {
    if (this.durability !== 'deferred') return;
    if (this.#syncfs !== false) {
      this.#syncfs = await syncFileSystemAsync(this.root);
      if (this.#syncfs) return;
    }
    this.sync(digests);
  }

  #syncfs: boolean | undefined;

  /** Removes temp files left by killed writers (returns how many). Call only while holding the project lock. */
  sweepTemp(): number {
    let n = 0;
    for (const e of readdirSync(this.#tmp, { recursive: true, withFileTypes: true })) if (!e.isDirectory()) n++;
    for (const name of readdirSync(this.#tmp)) rmSync(join(this.#tmp, name), { force: true, recursive: true });
    return n;
  }

  /**
   * Removes an object for good: what kfm gc does with an object nothing live names, and only
   * while it holds the project lock. One unlink: the object is whole or gone, never partial.
   * Returns its byte size, or undefined when it was not there.
   */
  async remove(digest: Digest): Promise<number | undefined> {
    const size = await this.sizeOf(digest);
    if (size === undefined) return undefined;
    try {
      await unlink(this.pathOf(digest));
    } catch (e) {
      if (isCode(e, 'ENOENT')) return undefined;
      throw e;
    }
    return size;
  }

  /** An object's byte size (a stat), or undefined when it is not there. */
  async sizeOf(digest: Digest): Promise<number | undefined> {
    const st = await stat(this.pathOf(digest)).catch((e: unknown) => {
      if (isCode(e, 'ENOENT', 'ENOTDIR')) return undefined;
      throw e;
    });
    return st?.isFile() ? st.size : undefined;
  }

  /**
   * Temp files last written before `beforeMs` (the store's `tmp/`): with the project lock
   * held since then, no writer can own them. Listed (`remove` false) or removed; their
   * count and bytes. Directories left empty are removed too.
   */
  sweepTempBefore(beforeMs: number, remove: boolean): { files: number; bytes: number } {
    let files = 0;
    let bytes = 0;
    for (const e of readdirSync(this.#tmp, { recursive: true, withFileTypes: true })) {
      if (e.isDirectory()) continue;
      const path = join(e.parentPath, e.name);
      const st = statSync(path, { throwIfNoEntry: false });
      if (!st || st.mtimeMs >= beforeMs) continue;
      files++;
      bytes += st.size;
      if (remove) rmSync(path, { force: true });
    }
    if (remove) {
      for (const name of readdirSync(this.#tmp)) {
        const dir = join(this.#tmp, name);
        if (statSync(dir, { throwIfNoEntry: false })?.isDirectory() && readdirSync(dir).length === 0) rmSync(dir, { recursive: true, force: true });
      }
    }
    return { files, bytes };
  }

  async quarantine(digest: Digest): Promise<'quarantined' | 'missing'> {
    const dir = join(this.root, 'corrupt');
    await mkdir(dir, { recursive: true });
    const hex = digestHex(digest);
    // A second quarantine of the same digest keeps the first one's bytes too.
    let target = join(dir, hex);
    for (let i = 1; await stat(target).then(() => true, () => false); i++) target = join(dir, `${hex}.${i}`);
    try {
      await rename(this.pathOf(digest), target);
      return 'quarantined';
    } catch (e) {
      if (isCode(e, 'ENOENT', 'ENOTDIR')) return 'missing';
      throw e;
    }
  }

  /** Every object digest in the store, in code-point order. */
  async *digests(): AsyncGenerator<Digest> {
    const objects = join(this.root, 'objects');
    for (const dir of (await readdir(objects)).sort(compareCodePoints)) {
      if (!/^[0-9a-f]{2}$/.test(dir)) continue;
      for (const rest of (await readdir(join(objects, dir))).sort(compareCodePoints)) {
        if (/^[0-9a-f]{62}$/.test(rest)) yield `sha256:${dir}${rest}`;
      }
    }
  }

  /** Creates a temp file; its directory is made again if a sweep removed it meanwhile. */
  #openTemp(tmp: string): number {
    try {
      return openSync(tmp, 'wx', 0o644);
    } catch (e) {
      if (!isCode(e, 'ENOENT')) throw e;
      mkdirSync(join(tmp, '..'), { recursive: true });
      return openSync(tmp, 'wx', 0o644);
    }
  }

  async #openTempAsync(tmp: string): Promise<FileHandle> {
    try {
      return await open(tmp, 'wx', 0o644);
    } catch (e) {
      if (!isCode(e, 'ENOENT')) throw e;
      await mkdir(join(tmp, '..'), { recursive: true });
      return await open(tmp, 'wx', 0o644);
    }
  }

  #tempPath(): string {
    // A directory per thread: writers in parallel threads never contend for one directory.
    if (this.#threadTmp === undefined) {
      this.#threadTmp = join(this.#tmp, `${process.pid}-${threadId}`);
      mkdirSync(this.#threadTmp, { recursive: true });
    }
    return join(this.#threadTmp, randomBytes(8).toString('hex'));
  }

  async #tempPathAsync(): Promise<string> {
    if (this.#threadTmp === undefined) {
      const dir = join(this.#tmp, `${process.pid}-${threadId}`);
      await mkdir(dir, { recursive: true });
      this.#threadTmp = dir;
    }
    return join(this.#threadTmp, randomBytes(8).toString('hex'));
  }

  #install(tmp: string, digest: Digest): void {
    const target = this.pathOf(digest);
    const shard = join(target, '..');
    if (!this.#shards.has(shard)) {
      mkdirSync(shard, { recursive: true });
      this.#shards.add(shard);
    }
    chmodSync(tmp, 0o444);
    // rename replaces a corrupt or truncated object of the same name atomically.
    renameSync(tmp, target);
  }

  async #installAsync(tmp: string, digest: Digest): Promise<void> {
    const target = this.pathOf(digest);
    const shard = join(target, '..');
    if (!this.#shards.has(shard)) {
      await mkdir(shard, { recursive: true });
      this.#shards.add(shard);
    }
    await chmod(tmp, 0o444);
    await rename(tmp, target);
  }

  readonly #shards = new Set<string>();
  #threadTmp: string | undefined;
}

async function writeAll(fh: FileHandle, bytes: Uint8Array): Promise<void> {
  let off = 0;
  while (off < bytes.length) off += (await fh.write(bytes, off, bytes.length - off)).bytesWritten;
}

/** SHA-256 and size of a file, read without blocking the event loop. */
async function hashFile(path: string): Promise<StoredObject> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { digest: `sha256:${hash.digest('hex')}`, size };
}

/**
 * Writes verified bytes to `absPath` without ever replacing a file there: into a temp file
 * beside it, verified as it streams, then linked into place (a link, unlike a rename, fails
 * on an existing name) and the temp name removed. Shared by every ContentStore.
 */
export async function materializeCopy(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, digest: Digest, absPath: string): Promise<'written' | 'present'> {
  await mkdir(dirname(absPath), { recursive: true });
  const tmp = `${absPath}.kfm-${randomBytes(6).toString('hex')}`;
  const fh = await open(tmp, 'wx', 0o644);
  try {
    try {
      // stream() throws after the last chunk when the bytes do not match the digest.
      for await (const chunk of chunks) await writeAll(fh, chunk);
    } finally {
      await fh.close();
    }
    await chmod(tmp, 0o444);
    try {
      await link(tmp, absPath);
    } catch (e) {
      if (isCode(e, 'EEXIST')) return await presentOrRefuse(digest, absPath);
      if (!isCode(e, 'EPERM', 'EMLINK', 'ENOTSUP', 'EOPNOTSUPP')) throw e;
      // No hard links here at all: a rename (which could replace a file that appeared since
      // the caller's check, a race this file system leaves open).
      await rename(tmp, absPath);
      return 'written';
    }
    return 'written';
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

/** A path that already exists: `present` when it holds the digest's bytes, else refused. */
export async function presentOrRefuse(digest: Digest, absPath: string): Promise<'present'> {
  if ((await hashFile(absPath)).digest === digest) return 'present';
  throw new KfmError('store', `${absPath} already holds other bytes than ${digest}: an existing file is never rewritten`);
}
