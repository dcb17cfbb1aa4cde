import { dirname, join } from 'node:path';

/** Where a project keeps things. `.kfm/` is private to kfm; `data/` is the navigable tree. */
export interface ProjectPaths {
  root: string;
  kfmfile: string;
  kfmDir: string;
  storeDir: string;
  statePath: string;
  scratchDir: string;
  dataDir: string;
}

export function projectPaths(kfmfile: string): ProjectPaths {
  const root = dirname(kfmfile);
  const kfmDir = join(root, '.kfm');
  return {
    root,
    kfmfile,
    kfmDir,
    storeDir: join(kfmDir, 'store'),
    statePath: join(kfmDir, 'state.db'),
    scratchDir: join(kfmDir, 'scratch'),
    dataDir: join(root, 'data'),
  };
}
