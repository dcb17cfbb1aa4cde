import { join } from 'node:path';
import type { ProjectPaths } from '../load/projectPaths.js';

/** One cache under `.kfm/` that kfm clean may remove: nothing is lost, the next build rebuilds or does without it. */
export interface RebuildableCache {
  name: 'scratch' | 'snapshots' | 'store-tmp' | 'stat-cache' | 'module-imports';
  /** A directory (its contents go) or, for a table of state.db, the database file. */
  kind: 'directory' | 'state-table';
  path: string;
  why: string;
}

/**
 * Every rebuildable cache a project keeps in `.kfm/`, and why removing it loses nothing.
 * Not here, never removed by kfm clean: the store's objects (the bytes every result, version
 * and receipt names), `state.db`'s results, runs and versions, the ledger, the lock, the
 * public keys in `keys/`, the local receipts anchors (`anchors.json`), `data-edits/` (files someone edited, moved aside), the store's
 * `corrupt/` (quarantined bytes kept for a post-mortem) and its `collected.jsonl`.
 */
export function rebuildableCaches(paths: ProjectPaths): RebuildableCache[] {
  return [
    { name: 'scratch', kind: 'directory', path: paths.scratchDir, why: "tasks' scratch directories; every build removes it before it runs anything" },
    { name: 'snapshots', kind: 'directory', path: join(paths.kfmDir, 'snapshots'), why: 'no-op build snapshots; without one the next build takes the full path (still running nothing that is cached) and writes a new one' },
    { name: 'store-tmp', kind: 'directory', path: join(paths.storeDir, 'tmp'), why: "temp files of killed writers; under the project lock nobody is writing, and an object only counts once renamed into objects/" },
    { name: 'stat-cache', kind: 'state-table', path: paths.statePath, why: 'file stats and their digests (table stat_cache); without them the next build re-hashes its inputs, which gives the same digests and keys' },
    { name: 'module-imports', kind: 'state-table', path: paths.statePath, why: 'the imports parsed from each task module (table module_imports); parsed again from the module on the next build' },
  ];
}
