import { resolve } from 'node:path';
import { KfmError } from '../../core/error.js';
import { findKfmfile } from './findKfmfile.js';
import { projectPaths, type ProjectPaths } from './projectPaths.js';
import { checkKfmDir } from './checkKfmDir.js';

/**
 * The project's paths from where its kfmfile is (`file`, or found walking up from `cwd`),
 * without loading it: for commands that read only the registry, the ledger and the store.
 */
export function locateProject(options: { cwd?: string; file?: string }): ProjectPaths {
  const cwd = resolve(options.cwd ?? process.cwd());
  const kfmfile = options.file ? resolve(cwd, options.file) : findKfmfile(cwd);
  if (!kfmfile) throw new KfmError('kfmfile', `no kfmfile.ts found in ${cwd} or any parent directory`);
  const paths = projectPaths(kfmfile);
  checkKfmDir(paths.kfmDir);
  return paths;
}
