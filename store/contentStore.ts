import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  copyFileSync,
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
} from 'node:fs';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { digestHex, type Digest } from '../core/digest.js';
import { KfmError } from '../core/error.js';
import { hashFileSync } from '../core/hashFile.js';
import { syncFileSystem, syncFileSystemAsync } from './syncFileSystem.js';

export type ObjectCheck = 'ok' | 'missing' | 'corrupt';

/** Bytes stored once under their SHA-256. */
export interface ContentStore {
  readonly root: string;
  readonly durability: Durability;
  /** Makes these objects (and every object written so far) durable (see Durability). */
  sync(digests: Iterable<Digest>): void;
  /** `sync` without blocking the event loop. */
  syncAsync(digests: Iterable<Digest>): Promise<void>;
  /** The path an object lives at (whether or not it exists). */
  pathOf(digest: Digest): string;
  /** The object exists with the given size (a stat, no read). */
  has(digest: Digest, size?: number): boolean;
  putBytes(bytes: Uint8Array): { digest: Digest; size: number };
  /** Stores a file's bytes (copied; the source is left alone). */
  putFile(path: string): { digest: Digest; size: number };
  /** The object's bytes, verified: a missing or mismatching object throws. */
  read(digest: Digest): Buffer;
  /** Re-hashes an object. */
  check(digest: Digest): ObjectCheck;
}

/**
 * When objects reach stable storage. `object`: each is fsynced before it is renamed into
 * place. `deferred`: objects are renamed into place unsynced, and the engine flushes the
 * file system (`sync()`) before it records any result that names them, so a recorded
 * result never names bytes that a power cut could lose.
 */
export type Durability = 'object' | 'deferred';

/**
 * The content store on disk: `objects/<2 hex>/<62 hex>`, each written to `tmp/`, renamed
 * into place and made read-only. Writers never see each other's temp files, and a crash
 * leaves at worst a stray temp file (removed by `sweepTemp`).
 */
export class FileContentStore implements ContentStore {
  readonly root: string;
  readonly durability: Durability;
  readonly #tmp: string;

  constructor(root: string, durability: Durability = 'object') {
    this.root = root;
    this.durability = durability;
    this.#tmp = join(root, 'tmp');
    mkdirSync(join(root, 'objects'), { recursive: true });
    mkdirSync(this.#tmp, { recursive: true });
  }

  pathOf(digest: Digest): string {
    const hex = digestHex(digest);
    return join(this.root, 'objects', hex.slice(0, 2), hex.slice(2));
  }

  has(digest: Digest, size?: number): boolean {
    const st = statSync(this.pathOf(digest), { throwIfNoEntry: false });
    return st !== undefined && st.isFile() && (size === undefined || st.size === size);
  }

  putBytes(bytes: Uint8Array): { digest: Digest; size: number } {
    const digest: Digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    if (this.has(digest, bytes.length)) return { digest, size: bytes.length };
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

  putFile(path: string): { digest: Digest; size: number } {
    const tmp = this.#tempPath();
    closeSync(this.#openTemp(tmp));
    copyFileSync(path, tmp);
    const { digest, size } = hashFileSync(tmp);
    if (this.has(digest, size)) {
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

  read(digest: Digest): Buffer {
    let bytes: Buffer;
    try {
      bytes = readFileSync(this.pathOf(digest));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new KfmError('store', `store object ${digest} is missing (${this.pathOf(digest)})`);
      }
      throw e;
    }
    const actual = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    if (actual !== digest) {
      throw new KfmError('store', `store object ${digest} is corrupt: its bytes hash to ${actual}`);
    }
    return bytes;
  }

  check(digest: Digest): ObjectCheck {
    const path = this.pathOf(digest);
    if (!statSync(path, { throwIfNoEntry: false })) return 'missing';
    return hashFileSync(path).digest === digest ? 'ok' : 'corrupt';
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

  /** Every object digest in the store. */
  *digests(): Generator<Digest> {
    const objects = join(this.root, 'objects');
    for (const dir of readdirSync(objects)) {
      if (!/^[0-9a-f]{2}$/.test(dir)) continue;
      for (const rest of readdirSync(join(objects, dir))) {
        if (/^[0-9a-f]{62}$/.test(rest)) yield `sha256:${dir}${rest}`;
      }
    }
  }

  /** Creates a temp file; its directory is made again if a sweep removed it meanwhile. */
  #openTemp(tmp: string): number {
    try {
      return openSync(tmp, 'wx', 0o644);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      mkdirSync(join(tmp, '..'), { recursive: true });
      return openSync(tmp, 'wx', 0o644);
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

  readonly #shards = new Set<string>();
  #threadTmp: string | undefined;
}
