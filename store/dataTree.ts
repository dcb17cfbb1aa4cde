import { linkSync, mkdirSync, statSync, symlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { Digest } from '../core/digest.js';
import { KfmError } from '../core/error.js';
import { hashFileSync } from '../core/hashFile.js';
import type { LocalContentStore } from './contentStore.js';

/** One file of the navigable tree: `data/<path>` holds the store object `digest`. */
export interface TreeEntry {
  /** Relative to the data directory, `/`-separated: `processed/ks_counties/2017.ab12cd34/x.geojson`. */
  path: string;
  digest: Digest;
}

/**
 * Makes `data/<path>` name a store object without copying it: a hard link to the object
 * (read-only, shared inode), or a relative symlink where hard links are impossible (the
 * data tree on another file system). A path that exists is never rewritten: the same bytes
 * are fine; other bytes are an error.
 */
export function linkEntry(dataDir: string, store: Pick<LocalContentStore, 'pathOf'>, entry: TreeEntry): 'linked' | 'present' {
  const target = join(dataDir, entry.path);
  const object = store.pathOf(entry.digest);
  mkdirSync(dirname(target), { recursive: true });
  try {
    linkSync(object, target);
    return 'linked';
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      const [a, b] = [statSync(object), statSync(target)];
      if (a.ino === b.ino && a.dev === b.dev) return 'present';
      if (hashFileSync(target).digest === entry.digest) return 'present';
      throw new KfmError(
        'store',
        `data/${entry.path} already holds other bytes than ${entry.digest}: files under data/ are never rewritten`,
      );
    }
    if (code === 'EXDEV' || code === 'EPERM' || code === 'EMLINK') {
      symlinkSync(relative(dirname(target), object), target);
      return 'linked';
    }
    throw e;
  }
}
