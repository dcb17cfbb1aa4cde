import { compareCodePoints } from '../../core/compareCodePoints.js';
import type { Digest } from '../../core/digest.js';
import { KfmError } from '../../core/error.js';
import type { NodeResult, ResultStore } from '../state/resultStore.js';

/** A stored copy, as SQLite keeps one: JSON round-tripped, the duration rounded. */
export function storedResult(r: NodeResult): NodeResult {
  return { ...(JSON.parse(JSON.stringify(r)) as NodeResult), durationMs: Math.round(r.durationMs) };
}

/** The ResultStore fake: results and latest pointers in Maps, answered asynchronously. */
export class MemoryResultStore implements ResultStore {
  readonly #byKey = new Map<Digest, NodeResult>();
  readonly #latest = new Map<string, Digest>();

  async resultByKey(key: Digest): Promise<NodeResult | undefined> {
    return this.peekResultByKey(key);
  }

  async latestResults(): Promise<Map<string, NodeResult>> {
    return this.peekLatestResults();
  }

  /** Test inspection: `resultByKey`, answered synchronously (the engine always awaits the seam). */
  peekResultByKey(key: Digest): NodeResult | undefined {
    const r = this.#byKey.get(key);
    return r && storedResult(r);
  }

  /** Test inspection: `latestResults`, answered synchronously. */
  peekLatestResults(): Map<string, NodeResult> {
    const map = new Map<string, NodeResult>();
    for (const nodeId of [...this.#latest.keys()].sort(compareCodePoints)) {
      map.set(nodeId, storedResult(this.#byKey.get(this.#latest.get(nodeId)!)!));
    }
    return map;
  }

  async putResult(result: NodeResult): Promise<void> {
    this.#put(result);
  }

  async putResults(results: readonly NodeResult[]): Promise<void> {
    // Copies first: a result that cannot be stored leaves nothing stored.
    const copies = results.map(storedResult);
    for (const r of copies) this.#put(r);
  }

  async setLatest(nodeId: string, key: Digest): Promise<void> {
    if (!this.#byKey.has(key)) {
      throw new KfmError('state', `cannot make ${key} the latest result of ${nodeId}: no result is stored under that key`);
    }
    this.#latest.set(nodeId, key);
  }

  #put(r: NodeResult): void {
    this.#byKey.set(r.key, storedResult(r));
    this.#latest.set(r.nodeId, r.key);
  }
}
