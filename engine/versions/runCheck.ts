import { mkdirSync } from 'node:fs';
import { analyze } from '../graph/analyze.js';
import { loadKfmfile } from '../load/loadKfmfile.js';
import { loadWithCallSites } from '../load/locateError.js';
import { KfmError } from '../../core/error.js';
import type { Graph } from '../graph/graph.js';
import { locateProject } from '../load/locateProject.js';
import { checkRegistry, type DatasetCheck } from './checkRegistry.js';

/**
 * `kfm check [--update]` as a library call: finds and loads the kfmfile (nothing else: none
 * of the state, store or scheduler modules load) and checks every dataset against the
 * registry. With `update`, holds the project lock while it writes (builds and promotions
 * write the registry too: one writer at a time), telling `onLockWait` once who holds it.
 */
export async function runCheck(
  project: { cwd?: string; file?: string },
  options: { update?: boolean; onLockWait?: (holder: string) => void } = {},
): Promise<DatasetCheck[]> {
  const { kfmfile, kfmDir } = locateProject(project);
  const graph = await analyzeLocated(kfmfile);
  if (!options.update) return checkRegistry(graph);
  mkdirSync(kfmDir, { recursive: true });
  const { openProjectLock } = await import('../load/openSeams.js');
  const lock = openProjectLock(kfmDir);
  try {
    await lock.acquire('kfm check --update', options.onLockWait ?? (() => undefined));
    return await checkRegistry(graph, { update: true });
  } finally {
    await lock.close();
  }
}

/** The kfmfile's graph; a kfmfile error comes located at its declaration (as `loadGraph` does). */
async function analyzeLocated(kfmfile: string): Promise<Graph> {
  const config = await loadKfmfile(kfmfile);
  try {
    return analyze(config, kfmfile);
  } catch (e) {
    if (!(e instanceof KfmError) || e.code !== 'kfmfile' || e.location?.line !== undefined) throw e;
    const located = await loadWithCallSites(kfmfile);
    throw located instanceof KfmError ? located : e;
  }
}
