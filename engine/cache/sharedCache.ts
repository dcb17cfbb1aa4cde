import { digestHex, type Digest } from '../../core/digest.js';
import type { ContentStore, S3StoreDescriptor } from '../../store/contentStore.js';
import type { TrustedKeys } from '../../store/receipts/trustedKeys.js';
import { S3ContentStore } from '../../store/s3/s3ContentStore.js';
import { S3EntryBucket } from '../../store/s3/s3EntryBucket.js';
import type { NodeResult } from '../../store/state.js';
import type { KeyObject } from 'node:crypto';
import { cacheEntryOf, signCacheEntry, verifyCacheEntry, type CacheEntry } from './cacheEntry.js';

/** What asking the shared cache for a node's key found. */
export type SharedLookup =
  /** A verified entry; its objects are in the local store now. */
  | { type: 'hit'; entry: CacheEntry }
  /** No entry under that key. */
  | { type: 'absent' }
  /** An entry that is not used, and why (reported; the node runs locally). */
  | { type: 'rejected'; reason: string }
  /** The cache itself failed (unreachable, an error): the build goes on without it. */
  | { type: 'error'; message: string };

/** The seam the scheduler asks (engine/schedule/scheduleNodes.ts). */
export interface SharedCacheSeam {
  lookup(nodeId: string, key: Digest, local: ContentStore): Promise<SharedLookup>;
  /** Null: this machine does not write the cache. */
  publish: ((result: NodeResult, local: ContentStore) => Promise<void>) | null;
  close(): void;
}

/** The entry's name in the bucket. */
export const entryName = (key: Digest): string => `ac/${digestHex(key)}.json`;

/**
 * A read-through shared cache in an S3 bucket (KFM_CACHE): objects in the content-addressed
 * layout of the S3 store (re-hashed on every read), and one signed entry per node key at
 * `<prefix>ac/<key hex>.json`. An entry is used only when it verifies (cacheEntry.ts) and
 * every object it names is in the bucket and copies into the local store intact. With
 * `signer` (this machine's key, pinned), results are published: objects first, the entry last.
 */
export class SharedCache implements SharedCacheSeam {
  readonly #objects: S3ContentStore;
  readonly #entries: S3EntryBucket;
  readonly #pinned: TrustedKeys;
  readonly publish: SharedCacheSeam['publish'];

  constructor(descriptor: S3StoreDescriptor, pinned: TrustedKeys, signer: { keyid: string; privateKey: KeyObject } | undefined) {
    this.#objects = new S3ContentStore(descriptor);
    this.#entries = new S3EntryBucket(descriptor);
    this.#pinned = pinned;
    this.publish = signer ? (r, local) => this.#publish(r, local, signer) : null;
  }

  async lookup(nodeId: string, key: Digest, local: ContentStore): Promise<SharedLookup> {
    let text: string | undefined;
    try {
      text = await this.#entries.read(entryName(key));
    } catch (e) {
      return { type: 'error', message: (e as Error).message };
    }
    if (text === undefined) return { type: 'absent' };
    const v = verifyCacheEntry(text, this.#pinned, { nodeId, key });
    if (!v.ok) return { type: 'rejected', reason: v.error };
    for (const o of v.value.outputs) {
      if (await local.has(o.digest, o.size)) continue;
      let present: boolean;
      try {
        present = await this.#objects.has(o.digest, o.size);
      } catch (e) {
        return { type: 'error', message: (e as Error).message };
      }
      if (!present) return { type: 'rejected', reason: `object missing/corrupt (${o.name} ${o.digest.slice(7, 19)})` };
      try {
        // The stream re-hashes at its end; the local store re-hashes what it wrote.
        const stored = await local.putStream(this.#objects.stream(o.digest));
        if (stored.digest !== o.digest || stored.size !== o.size) throw new Error('digest');
      } catch {
        return { type: 'rejected', reason: `object missing/corrupt (${o.name} ${o.digest.slice(7, 19)})` };
      }
    }
    return { type: 'hit', entry: v.value };
  }

  async #publish(r: NodeResult, local: ContentStore, signer: { keyid: string; privateKey: KeyObject }): Promise<void> {
    for (const o of r.outputs) {
      if (!(await this.#objects.has(o.digest, o.size))) await this.#objects.putStream(local.stream(o.digest));
    }
    await this.#entries.writeIfAbsent(entryName(r.key), signCacheEntry(cacheEntryOf(r), signer));
  }

  close(): void {
    this.#objects.close();
    this.#entries.close();
  }
}
