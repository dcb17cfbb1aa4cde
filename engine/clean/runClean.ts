import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../../core/clock.js';
import { systemClock } from '../../core/clock.js';
import { unreachable } from '../../core/error.js';
import { FileContentStore } from '../../store/contentStore.js';
import { State } from '../../store/state.js';
import { openProjectLock } from '../load/openSeams.js';
import type { ProjectPaths } from '../load/projectPaths.js';
import { rebuildableCaches, type RebuildableCache } from './rebuildableCaches.js';

/** The format of `kfm clean --json` (schemas/clean-report.schema.json). */
export const CLEAN_REPORT_VERSION = 'v1';

/** One cache and what clean removed from it (dry run: what it would). */
export interface CleanedCache extends RebuildableCache {
  /** Files (directories) or rows (state tables). */
  entries: number;
  /** Bytes of the files (0 for a state table: its pages stay with the database). */
  bytes: number;
}

/**
 * `kfm clean [--dry-run]` as a library call: empties each rebuildable cache of `.kfm/`
 * (rebuildableCaches) under the project lock, and nothing else. A project with no `.kfm/`
 * has nothing to clean.
 */
export async function runClean(paths: ProjectPaths, options: { dryRun: boolean; onLockWait?: (holder: string) => void; clock?: Clock }): Promise<CleanedCache[]> {
  const caches = rebuildableCaches(paths);
  if (!existsSync(paths.kfmDir)) return caches.map((c) => ({ ...c, entries: 0, bytes: 0 }));
  const lock = openProjectLock(paths.kfmDir);
  try {
    await lock.acquire(options.dryRun ? 'kfm clean --dry-run' : 'kfm clean', (holder) => options.onLockWait?.(holder));
    const lockedAtMs = (options.clock ?? systemClock).now().getTime();
    const tables = stateTables(paths, options.dryRun);
    return caches.map((c): CleanedCache => {
      switch (c.name) {
        case 'store-tmp': {
          if (!existsSync(c.path)) return { ...c, entries: 0, bytes: 0 };
          const { files, bytes } = new FileContentStore(paths.storeDir).sweepTempBefore(lockedAtMs, !options.dryRun);
          return { ...c, entries: files, bytes };
        }
        case 'scratch':
        case 'snapshots':
          return { ...c, ...emptyDirectory(c.path, options.dryRun) };
        case 'stat-cache':
          return { ...c, entries: tables.statEntries, bytes: 0 };
        case 'module-imports':
          return { ...c, entries: tables.moduleImports, bytes: 0 };
        default:
          return unreachable(c.name);
      }
    });
  } finally {
    await lock.close();
  }
}

/** The state's local caches: counted, and emptied unless a dry run. */
function stateTables(paths: ProjectPaths, dryRun: boolean): { statEntries: number; moduleImports: number } {
  if (!existsSync(paths.statePath)) return { statEntries: 0, moduleImports: 0 };
  const state = State.open(paths.statePath);
  try {
    if (!dryRun) return state.clearLocalCaches();
    return { statEntries: state.statCache().size, moduleImports: state.moduleImports().size };
  } finally {
    state.close();
  }
}

/** Removes what a directory holds (the directory stays): its files and their bytes. */
function emptyDirectory(dir: string, dryRun: boolean): { entries: number; bytes: number } {
  if (!existsSync(dir)) return { entries: 0, bytes: 0 };
  let entries = 0;
  let bytes = 0;
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (e.isDirectory()) continue;
    entries++;
    bytes += statSync(join(e.parentPath, e.name), { throwIfNoEntry: false })?.size ?? 0;
  }
  if (!dryRun) for (const name of readdirSync(dir)) rmSync(join(dir, name), { recursive: true, force: true });
  return { entries, bytes };
}
