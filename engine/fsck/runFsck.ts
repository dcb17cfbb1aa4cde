import { existsSync } from 'node:fs';
import type { ProjectPaths } from '../load/projectPaths.js';
import { openProjectLock, openSeams } from '../load/openSeams.js';
import { seamConfig } from '../load/seamConfig.js';
import { dataTreeSettings } from '../versions/dataTreeSettings.js';
import { fsckStore, type FsckProgress, type FsckResult } from './fsckStore.js';

/** The format of `kfm fsck --json` (schemas/fsck-report.schema.json). */
export const FSCK_REPORT_VERSION = 'v1';

/**
 * `kfm fsck` as a library call on a project's own store, state and data/ tree. With
 * `repair`, it holds the project lock while it works (a build does not run meanwhile), and
 * restores data files as copies (the default `dataTree.link`: fsck does not load the kfmfile).
 * A project never built has nothing to check.
 */
export async function runFsck(
  paths: ProjectPaths,
  options: { repair: boolean; onProgress: (p: FsckProgress) => void; onLockWait?: (holder: string) => void },
): Promise<FsckResult> {
  if (seamConfig().local && (!existsSync(paths.storeDir) || !existsSync(paths.statePath))) return { checked: { objects: 0, outputs: 0, dataFiles: 0 }, problems: [] };
  const lock = options.repair ? openProjectLock(paths.kfmDir) : undefined;
  try {
    await lock?.acquire('kfm fsck --repair', (holder) => options.onLockWait?.(holder));
    const seams = openSeams(paths);
    try {
      const latest = await seams.state.latestResults();
      return await fsckStore({
        store: seams.store,
        latest,
        dataDir: paths.dataDir,
        repair: options.repair,
        dataTree: dataTreeSettings(paths.kfmDir, 'copy'),
        onProgress: options.onProgress,
      });
    } finally {
      await seams.state.close();
    }
  } finally {
    await lock?.close();
  }
}
