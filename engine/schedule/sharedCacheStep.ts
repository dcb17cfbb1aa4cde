import type { Clock } from '../../core/clock.js';
import type { Digest } from '../../core/digest.js';
import type { Awaitable } from '../../store/awaitable.js';
import type { ContentStore } from '../../store/contentStore.js';
import type { NodeResult } from '../../store/state.js';
import type { SharedCacheSeam } from '../cache/sharedCache.js';
import type { EventSink } from '../run/event.js';
import type { CacheCheck } from './cacheCheck.js';

/** How many results are published at a time. */
const PUBLISH_IN_FLIGHT = 4;

/**
 * The scheduler's use of the shared cache (KFM_CACHE, engine/cache/sharedCache.ts): after a
 * local miss, a verified entry stands in for running the node (its objects copied into the
 * local store, its result committed locally); a rejected entry is reported and the node runs.
 * After the build's results are committed, the executed ones are published (when this
 * machine writes the cache). A failing cache is said once and then left alone: never a failed build.
 */
export class SharedCacheStep {
  readonly #seam: SharedCacheSeam;
  readonly #o: { store: ContentStore; onEvent: EventSink; clock: Clock; runId: string };
  readonly #executed: NodeResult[] = [];
  #off = false;

  constructor(seam: SharedCacheSeam, o: { store: ContentStore; onEvent: EventSink; clock: Clock; runId: string }) {
    this.#seam = seam;
    this.#o = o;
  }

  /** The check of a ready node, with the shared cache asked after a local miss. */
  check(id: string, key: Digest, keyDoc: string, local: Awaitable<CacheCheck>): Awaitable<CacheCheck> {
    const ask = (c: CacheCheck): Awaitable<CacheCheck> =>
      c.type === 'dirty' && c.reason.type !== 'forced' && c.reason.type !== 'always' && !this.#off ? this.#ask(id, key, keyDoc, c) : c;
    return local instanceof Promise ? local.then(ask) : ask(local);
  }

  /** A node ran here and its result is committed: published at the end of the schedule. */
  executed(result: NodeResult): void {
    if (this.#seam.publish) this.#executed.push(result);
  }

  /** Publishes the executed results (objects first, each entry last). */
  async publishAll(): Promise<void> {
    const publish = this.#seam.publish;
    if (!publish) return;
    const queue = [...this.#executed];
    const worker = async (): Promise<void> => {
      for (let r = queue.shift(); r !== undefined && !this.#off; r = queue.shift()) {
        try {
          await publish(r, this.#o.store);
        } catch (e) {
          this.#fail(`not writing the shared cache: ${(e as Error).message}`);
        }
      }
    };
    await Promise.all(Array.from({ length: PUBLISH_IN_FLIGHT }, worker));
  }

  async #ask(id: string, key: Digest, keyDoc: string, local: CacheCheck): Promise<CacheCheck> {
    let found;
    try {
      found = await this.#seam.lookup(id, key, this.#o.store);
    } catch (e) {
      found = { type: 'error' as const, message: (e as Error).message };
    }
    if (found.type === 'absent') return local;
    if (found.type === 'error') {
      this.#fail(`the shared cache is unavailable, building locally: ${found.message}`);
      return local;
    }
    if (found.type === 'rejected') {
      this.#o.onEvent({ type: 'shared-cache-rejected', id, key, reason: found.reason });
      return local;
    }
    const e = found.entry;
    const result: NodeResult = {
      nodeId: id,
      key,
      keyDoc,
      outputs: e.outputs,
      outputsDigest: e.outputs_digest,
      meta: e.meta,
      runId: this.#o.runId,
      finishedAt: this.#o.clock.now().toISOString(),
      durationMs: 0,
    };
    return { type: 'cached', result, becomesLatest: true, shared: true };
  }

  #fail(message: string): void {
    if (this.#off) return;
    this.#off = true;
    this.#o.onEvent({ type: 'shared-cache-notice', message });
  }
}
