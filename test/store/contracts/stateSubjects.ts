import type { Digest } from '../../../core/digest.js';
import { MemoryLocalCaches } from '../../../store/memory/memoryLocalCaches.js';
import { MemoryResultStore } from '../../../store/memory/memoryResultStore.js';
import { MemoryRunLog } from '../../../store/memory/memoryRunLog.js';
import { MemoryState } from '../../../store/memory/memoryState.js';
import { MemoryVersionStore } from '../../../store/memory/memoryVersionStore.js';
import { State } from '../../../store/state.js';
import type { LocalCaches } from '../../../store/state/localCaches.js';
import type { NodeResult, ResultStore } from '../../../store/state/resultStore.js';
import type { RunLog } from '../../../store/state/runLog.js';
import type { VersionStore } from '../../../store/state/versionStore.js';

/** The implementations every state contract runs against: SQLite (a private in-memory database), the seam's fake, and MemoryState (all four fakes in one). */
export function stateImplementations<T>(fake: () => T): { name: string; open(): { impl: T | State | MemoryState; close(): void } }[] {
  return [
    {
      name: 'State (SQLite)',
      open() {
        const state = State.open(':memory:');
        return { impl: state, close: () => state.close() };
      },
    },
    { name: 'memory fake', open: () => ({ impl: fake(), close: () => undefined }) },
    { name: 'MemoryState', open: () => ({ impl: new MemoryState(), close: () => undefined }) },
  ];
}

export const resultStores = stateImplementations<ResultStore>(() => new MemoryResultStore());
export const runLogs = stateImplementations<RunLog>(() => new MemoryRunLog());
export const versionStores = stateImplementations<VersionStore>(() => new MemoryVersionStore());
export const localCaches = stateImplementations<LocalCaches>(() => new MemoryLocalCaches());

export const digest = (c: string): Digest => `sha256:${c.repeat(64)}`;

export function result(nodeId: string, key: Digest, extra: Partial<NodeResult> = {}): NodeResult {
  return {
    nodeId,
    key,
    keyDoc: `{"task":"${nodeId}"}`,
    outputs: [{ name: 'o.txt', digest: digest('b'), size: 3, media_type: 'text/plain' }],
    outputsDigest: digest('c'),
    meta: { rows: 3, nested: { list: [1, 'two', null] } },
    runId: '20250101T000000Z-00000000',
    finishedAt: '2025-01-01T00:00:00.000Z',
    durationMs: 12.6,
    ...extra,
  };
}
