import { createHash } from 'node:crypto';
import { compareCodePoints } from '../../core/compareCodePoints.js';
import type { Digest } from '../../core/digest.js';
import { KfmError } from '../../core/error.js';
import {
  materializeCopy,
  type ContentStore,
  type MaterializeMode,
  type ObjectCheck,
  type StoreDescriptor,
  type StoredObject,
} from '../contentStore.js';

const hashOf = (bytes: Uint8Array): Digest => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** The process-wide registry `openStore({ kind: 'memory', id })` finds stores in. */
const registry = new Map<string, MemoryContentStore>();
let next = 1;

/**
 * The ContentStore fake: objects in a Map, verified on every read like the real store, with
 * test hooks to corrupt or drop an object and to lose what was never flushed (a power cut).
 * Each store registers under its id so that an in-process runner can open it from a
 * StoreDescriptor; `dispose()` unregisters it. Worker threads do not share it.
 */
export class MemoryContentStore implements ContentStore {
  readonly id: string;
  readonly descriptor: StoreDescriptor;
  readonly #objects = new Map<Digest, Buffer>();
  readonly #unflushed = new Set<Digest>();
  /** Every `flush` call's digests, in order (for tests asserting what was flushed when). */
  readonly flushes: Digest[][] = [];

  constructor(id?: string) {
    this.id = id ?? `memory-${next++}`;
    if (registry.has(this.id)) throw new KfmError('store', `an in-memory content store ${this.id} is already open in this process`);
    registry.set(this.id, this);
    this.descriptor = { kind: 'memory', id: this.id };
  }

  /** The open memory store with this id, if any. */
  static byId(id: string): MemoryContentStore | undefined {
    return registry.get(id);
  }

  /** Unregisters the store (its descriptor no longer opens it). */
  dispose(): void {
    if (registry.get(this.id) === this) registry.delete(this.id);
  }

  async has(digest: Digest, size?: number): Promise<boolean> {
    const bytes = this.#objects.get(digest);
    return bytes !== undefined && (size === undefined || bytes.length === size);
  }

  async get(digest: Digest): Promise<Buffer> {
    return Buffer.from(this.#verified(digest));
  }

  async put(bytes: Uint8Array): Promise<StoredObject> {
    return this.#store(Buffer.from(bytes));
  }

  async putStream(source: AsyncIterable<Uint8Array>): Promise<StoredObject> {
    const chunks: Buffer[] = [];
    for await (const chunk of source) chunks.push(Buffer.from(chunk));
    return this.#store(Buffer.concat(chunks));
  }

  async *stream(digest: Digest): AsyncGenerator<Buffer> {
    const bytes = this.#objects.get(digest);
    if (bytes === undefined) throw this.#missing(digest);
    const copy = Buffer.from(bytes);
    // Chunks, as a file would come: a consumer that keeps only the first one is caught out.
    const CHUNK = 1 << 16;
    for (let off = 0; off < copy.length; off += CHUNK) yield copy.subarray(off, off + CHUNK);
    const actual = hashOf(copy);
    if (actual !== digest) throw this.#corrupt(digest, actual);
  }

  /** Always a copy: there is no file to link to. */
  async materialize(digest: Digest, absPath: string, _mode: MaterializeMode): Promise<'written' | 'present'> {
    const bytes = this.#verified(digest);
    return materializeCopy([bytes], digest, absPath);
  }

  async check(digest: Digest): Promise<ObjectCheck> {
    const bytes = this.#objects.get(digest);
    if (bytes === undefined) return 'missing';
    return hashOf(bytes) === digest ? 'ok' : 'corrupt';
  }

  async flush(digests: Iterable<Digest>): Promise<void> {
    const list = [...digests];
    for (const d of list) if (!this.#objects.has(d)) throw this.#missing(d);
    this.flushes.push(list);
    for (const d of list) this.#unflushed.delete(d);
  }

  async *digests(): AsyncGenerator<Digest> {
    yield* [...this.#objects.keys()].sort(compareCodePoints);
  }

  async quarantine(digest: Digest): Promise<'quarantined' | 'missing'> {
    const bytes = this.#objects.get(digest);
    if (bytes === undefined) return 'missing';
    this.#objects.delete(digest);
    this.#unflushed.delete(digest);
    this.#quarantined.push([digest, bytes]);
    return 'quarantined';
  }

  readonly #quarantined: [Digest, Buffer][] = [];

  // Test hooks.

  /** Test inspection: what `quarantine` moved aside, in order (digest and the bytes it held). */
  quarantined(): [Digest, Buffer][] {
    return this.#quarantined.map(([d, b]) => [d, Buffer.from(b)]);
  }

  /** Test inspection: `get`, answered synchronously (verified; missing or corrupt: a KfmError `store`). */
  peek(digest: Digest): Buffer {
    return Buffer.from(this.#verified(digest));
  }

  /** Test inspection: `has`, answered synchronously. */
  peekHas(digest: Digest, size?: number): boolean {
    const bytes = this.#objects.get(digest);
    return bytes !== undefined && (size === undefined || bytes.length === size);
  }

  /** Replaces an object's bytes behind the store's back (default: its first byte flipped, or one byte for an empty object). */
  corrupt(digest: Digest, bytes?: Uint8Array): void {
    const old = this.#objects.get(digest);
    if (old === undefined) throw new Error(`corrupt: no object ${digest}`);
    let next: Buffer;
    if (bytes !== undefined) next = Buffer.from(bytes);
    else if (old.length === 0) next = Buffer.from([0]);
    else {
      next = Buffer.from(old);
      next[0] = next[0]! ^ 0xff;
    }
    this.#objects.set(digest, next);
  }

  /** Removes an object behind the store's back. */
  drop(digest: Digest): void {
    this.#objects.delete(digest);
    this.#unflushed.delete(digest);
  }

  /** What a power cut does: every object stored but never flushed is gone. Returns how many. */
  loseUnflushed(): number {
    const n = this.#unflushed.size;
    for (const d of this.#unflushed) this.#objects.delete(d);
    this.#unflushed.clear();
    return n;
  }

  /** Objects stored and not yet flushed, in code-point order. */
  unflushed(): Digest[] {
    return [...this.#unflushed].sort(compareCodePoints);
  }

  #store(bytes: Buffer): StoredObject {
    // The digest is of the copy kept, re-hashed, as the file store hashes what it wrote.
    const digest = hashOf(bytes);
    const had = this.#objects.get(digest);
    // A present, intact object stays as it is; a corrupt one is replaced (as a rename replaces it on disk).
    if (had === undefined || hashOf(had) !== digest) {
      this.#objects.set(digest, bytes);
      this.#unflushed.add(digest);
    }
    return { digest, size: bytes.length };
  }

  #verified(digest: Digest): Buffer {
    const bytes = this.#objects.get(digest);
    if (bytes === undefined) throw this.#missing(digest);
    const actual = hashOf(bytes);
    if (actual !== digest) throw this.#corrupt(digest, actual);
    return bytes;
  }

  #missing(digest: Digest): KfmError {
    return new KfmError('store', `store object ${digest} is missing (in-memory store ${this.id})`);
  }

  #corrupt(digest: Digest, actual: Digest): KfmError {
    return new KfmError('store', `store object ${digest} is corrupt: its bytes hash to ${actual}`);
  }
}
