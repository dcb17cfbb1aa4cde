import { join, relative, sep } from 'node:path';
import { KfmError } from '../../core/error.js';
import type { FileSystem } from '../../core/fs.js';
import type { GraphNode } from './graph.js';

const realRoots = new Map<string, string>();

/**
 * Refuses an input of `node` (`rel`, project-relative) that resolves, through a symlink, to
 * a file outside the project root: kfm would read and store bytes from anywhere. A task that
 * means to sets `inputsOutsideProject: true`. Inputs under `node_modules/` are exempt. File systems without `realPath` (in-memory
 * fakes) have no symlinks.
 */
export function insideProject(fs: FileSystem, root: string, rel: string, node: GraphNode): void {
  // Dependencies are the package manager's: node_modules may be a symlink (a worktree, a
  // shared install) or hold symlinked packages (pnpm, workspaces).
  if (!fs.realPath || rel.startsWith('node_modules/')) return;
  let realRoot = realRoots.get(root);
  if (realRoot === undefined) {
    realRoot = fs.realPath(root);
    realRoots.set(root, realRoot);
  }
  let real: string;
  try {
    real = fs.realPath(join(root, rel));
  } catch {
    return; // Gone since it was matched: hashing it reports that.
  }
  const inside = relative(realRoot, real);
  if (inside === '' || inside.startsWith(`..${sep}`) || inside === '..' || inside.startsWith(sep)) {
    throw new KfmError(
      'kfmfile',
      `input "${rel}" of task "${node.id}" resolves to ${real}, outside the project: kfm reads only files inside it (set inputsOutsideProject: true on the task to allow it)`,
      node.declaredAt,
      node.id,
    );
  }
}
