import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Awaitable } from '../../store/awaitable.js';
import { FileContentStore, type ContentStore } from '../../store/contentStore.js';
import type { Ledger } from '../../store/ledger/ledger.js';
import { SqliteLedger } from '../../store/ledger/sqliteLedger.js';
import { FileProjectLock, type ProjectLock } from '../../store/projectLock.js';
import { State, type LocalCaches, type ResultStore, type RunLog, type VersionStore } from '../../store/state.js';
import type { ProjectPaths } from './projectPaths.js';

/** The state a project's build uses: every seam of store/state/*, and a way to close it. */
export type ProjectState = ResultStore & RunLog & VersionStore & LocalCaches & { close(): Awaitable<void> };

/** A project's I/O seams, open: what the engine is written against (docs/DESIGN.md "I/O seams"). */
export interface ProjectSeams {
  state: ProjectState;
  store: ContentStore;
  /**
   * Removes temp files killed writers left in the store (returns how many): housekeeping
   * only a local store has (an object store's uploads are atomic). Call only while holding
   * the project lock.
   */
  sweepTemp(): number;
}

/**
 * The one place a project's backends are chosen: today the local ones (SQLite state in
 * `.kfm/state.db`, the file store in `.kfm/store/` with deferred durability). Another
 * backend (PostgreSQL state, an S3 store) plugs in here; the engine takes the interfaces.
 */
export function openSeams(paths: ProjectPaths): ProjectSeams {
  const state = State.open(paths.statePath);
  const store = new FileContentStore(paths.storeDir, 'deferred');
  return { state, store, sweepTemp: () => store.sweepTemp() };
}

/** The content store of a project, for a command that only reads or adds objects (promotion). */
export function openProjectStore(paths: ProjectPaths): ContentStore {
  return new FileContentStore(paths.storeDir);
}

/** The version records of a project (promotion reads a version's spec document); close it after. */
export function openVersionStore(paths: ProjectPaths): VersionStore & { close(): Awaitable<void> } {
  return State.open(paths.statePath);
}

/** The project lock (one writer at a time): the file lock on `.kfm/lock.db`. */
export function openProjectLock(kfmDir: string): ProjectLock {
  return new FileProjectLock(kfmDir);
}

/** The audit ledger (`.kfm/ledger.db`), created on first open. */
export function openLedger(kfmDir: string): Ledger {
  return new SqliteLedger(join(kfmDir, 'ledger.db'));
}

/** The audit ledger for reading only, or undefined when the project has none yet (nothing is created). */
export function openLedgerReadOnly(kfmDir: string): Ledger | undefined {
  const path = join(kfmDir, 'ledger.db');
  return existsSync(path) ? new SqliteLedger(path, { readonly: true }) : undefined;
}
