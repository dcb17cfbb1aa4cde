import type { Digest } from '../../../core/digest.js';
import { MemoryLocalCaches } from '../../../store/memory/memoryLocalCaches.js';
import { MemoryResultStore } from '../../../store/memory/memoryResultStore.js';
import { MemoryRunLog } from '../../../store/memory/memoryRunLog.js';
import { MemoryState } from '../../../store/memory/memoryState.js';
import { MemoryVersionStore } from '../../../store/memory/memoryVersionStore.js';
import { PgState } from '../../../store/postgres/pgState.js';
import type { Awaitable } from '../../../store/awaitable.js';
import { State } from '../../../store/state.js';
import type { LocalCaches } from '../../../store/state/localCaches.js';
import type { NodeResult, ResultStore } from '../../../store/state/resultStore.js';
import type { RunLog } from '../../../store/state/runLog.js';
import type { VersionStore } from '../../../store/state/versionStore.js';

import { freshDatabase, postgresSkipped } from './postgresSubjects.js';

type Subject<T> = { name: string; open(): { impl: T | State | MemoryState | PgState; close(): Awaitable<void> } };

/**
 * The implementations every state contract runs against: SQLite (a private in-memory
 * database), the seam's fake, MemoryState (all four fakes in one), and, with `postgres`,
 * PgState on a fresh database of the file's cluster (a file using it calls `usePostgres()`;
 * where PostgreSQL is not installed it is left out, see postgresSubjects.ts).
 */
export function stateImplementations<T>(fake: () => T, postgres = false): Subject<T>[] {
  const pg: Subject<T>[] =
    postgres && !postgresSkipped
      ? [
          {
            name: 'PgState (PostgreSQL)',
            open() {
              const state = new PgState(freshDatabase(), Object.assign(new MemoryLocalCaches(), { close: () => undefined }));
              return { impl: state, close: () => state.close() };
            },
          },
        ]
      : [];
  return [
    ...pg,
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

export const resultStores = stateImplementations<ResultStore>(() => new MemoryResultStore(), true);
export const runLogs = stateImplementations<RunLog>(() => new MemoryRunLog(), true);
export const versionStores = stateImplementations<VersionStore>(() => new MemoryVersionStore(), true);
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
