import { lstatSync, realpathSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { KfmError } from '../../core/error.js';

/** The directories kfm writes into, project-relative: the data tree (each zone) and the registry. */
const WRITTEN = ['data', 'data/raw', 'data/work', 'data/processed', 'data/catalog', 'data/published', 'data/quarantine', 'registry'];

/**
 * Refuses to write outside the project: when `data/`, one of its zones or `registry/` is a
 * symlink to a directory outside the project root, a `state` error names it (exit 2) before
 * anything is written. A symlink that stays inside the project is fine.
 */
export function checkWritePaths(root: string): void {
  const realRoot = realpathSync(root);
  for (const rel of WRITTEN) {
    const path = join(root, rel);
    const st = lstatSync(path, { throwIfNoEntry: false });
    if (!st?.isSymbolicLink()) continue;
    let real: string;
    try {
      real = realpathSync(path);
    } catch {
      throw new KfmError('state', `${rel} is a dangling symlink: kfm writes there; make it a directory inside the project`);
    }
    const inside = relative(realRoot, real);
    if (inside === '' || inside === '..' || inside.startsWith(`..${sep}`) || inside.startsWith(sep)) {
      throw new KfmError('state', `${rel} is a symlink to ${real}, outside the project: kfm writes only inside the project; make ${rel} a directory inside it`);
    }
  }
}
