import type { Digest } from '../../core/digest.js';
import type { Json } from '../../core/json.js';
import type { OutputRecord } from '../../core/outputRecord.js';
import type { Awaitable } from '../awaitable.js';

/** A node's successful result, stored under its key. */
export interface NodeResult {
  nodeId: string;
  key: Digest;
  /** The labelled key document the key hashes (kept for `kfm explain`). */
  keyDoc: string;
  outputs: OutputRecord[];
  /** Digest over the outputs (names, digests, media types): what downstream keys include. */
  outputsDigest: Digest;
  meta: Json;
  runId: string;
  finishedAt: string;
  /** Stored rounded to whole milliseconds. */
  durationMs: number;
}

/**
 * Node results by key (the build cache) and the latest result per node. Implemented by the
 * SQLite State, MemoryResultStore, and later PostgreSQL: every method may need a round trip
 * there, so every method is awaited (Awaitable: SQLite answers synchronously, see
 * store/awaitable.ts). Reads return copies: changing one never changes what is stored.
 *
 * Hot path: the planner reads `latestResults()` once per build, in one query, and keeps the
 * Map; `resultByKey` is asked only for a node whose key differs from its latest result's.
 */
export interface ResultStore {
  /** The result stored under a key (a cache hit), if any. */
  resultByKey(key: Digest): Awaitable<NodeResult | undefined>;
  /** Every node's latest result, by node id (in code-point order of node id), in one read. */
  latestResults(): Awaitable<Map<string, NodeResult>>;
  /** Stores a result under its key (replacing one stored under the same key) and makes it its node's latest. */
  putResult(result: NodeResult): Awaitable<void>;
  /** `putResult` for each, atomically: all are stored or none. */
  putResults(results: readonly NodeResult[]): Awaitable<void>;
  /**
   * Makes the result stored under `key` the node's latest (a cache hit on an older key).
   * No result under that key: a KfmError `state`, and the latest stays as it was.
   */
  setLatest(nodeId: string, key: Digest): Awaitable<void>;
}
