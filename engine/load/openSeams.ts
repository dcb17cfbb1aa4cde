import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Awaitable } from '../../store/awaitable.js';
import { FileContentStore, type ContentStore } from '../../store/contentStore.js';
import type { Ledger } from '../../store/ledger/ledger.js';
import { SqliteLedger } from '../../store/ledger/sqliteLedger.js';
import { PgLedger } from '../../store/postgres/pgLedger.js';
import { PgProjectLock } from '../../store/postgres/pgProjectLock.js';
import { PgState } from '../../store/postgres/pgState.js';
import { pgStateVersionModes } from '../../store/postgres/pgStateVersionModes.js';
import { stateVersionModes, type StateVersionMode } from '../../store/state/stateVersionModes.js';
import { FileProjectLock, type ProjectLock } from '../../store/projectLock.js';
import { S3ContentStore } from '../../store/s3/s3ContentStore.js';
import { State, type LocalCaches, type ResultStore, type RunLog, type VersionStore } from '../../store/state.js';
import type { ProjectPaths } from './projectPaths.js';
import { seamConfig } from './seamConfig.js';

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
 * The one place a project's backends are chosen (seamConfig: `KFM_STORE`, `KFM_STATE`): by
 * default the local ones (SQLite state in `.kfm/state.db`, the file store in `.kfm/store/`
 * with deferred durability); an S3 bucket for the store, PostgreSQL for the state (its local
 * caches still in `.kfm/state.db`). The engine takes the interfaces.
 */
export function openSeams(paths: ProjectPaths): ProjectSeams {
  const config = seamConfig();
  const state = openState(paths);
  if (config.store.kind === 's3') {
    const store = new S3ContentStore(config.store);
    return { state, store, sweepTemp: () => 0 };
  }
  const store = new FileContentStore(paths.storeDir, 'deferred');
  return { state, store, sweepTemp: () => store.sweepTemp() };
}

function openState(paths: ProjectPaths): ProjectState {
  const { state } = seamConfig();
  return state.kind === 'postgres' ? new PgState(state.url, State.open(paths.statePath)) : State.open(paths.statePath);
}

/** The content store of a project, for a command that only reads or adds objects (promotion). */
export function openProjectStore(paths: ProjectPaths): ContentStore {
  const { store } = seamConfig();
  return store.kind === 's3' ? new S3ContentStore(store) : new FileContentStore(paths.storeDir);
}

/** The version records of a project (promotion reads a version's spec document); close it after. */
export function openVersionStore(paths: ProjectPaths): VersionStore & { close(): Awaitable<void> } {
  return openState(paths);
}

/**
 * The project lock (one writer at a time): the file lock on `.kfm/lock.db`, or, with the
 * state in PostgreSQL, an advisory lock there (every machine sharing the state shares it).
 */
export function openProjectLock(kfmDir: string): ProjectLock {
  const { state } = seamConfig();
  return state.kind === 'postgres' ? new PgProjectLock(state.url) : new FileProjectLock(kfmDir);
}

/** The audit ledger (`.kfm/ledger.db`, or PostgreSQL's with the state there), created on first open. */
export function openLedger(kfmDir: string): Ledger {
  const { state } = seamConfig();
  return state.kind === 'postgres' ? new PgLedger(state.url) : new SqliteLedger(join(kfmDir, 'ledger.db'));
}

/** The audit ledger for reading only, or undefined when the project has none yet (nothing is created). */
export function openLedgerReadOnly(kfmDir: string): Ledger | undefined {
  const { state } = seamConfig();
  if (state.kind === 'postgres') return new PgLedger(state.url, { readonly: true });
  const path = join(kfmDir, 'ledger.db');
  return existsSync(path) ? new SqliteLedger(path, { readonly: true }) : undefined;
}

/** Every version the project's state records (slug, dvid, mode), read-only: what verification compares the registry with. */
export async function readStateVersionModes(paths: ProjectPaths): Promise<StateVersionMode[]> {
  const { state } = seamConfig();
  return state.kind === 'postgres' ? pgStateVersionModes(state.url) : stateVersionModes(paths.statePath);
}
