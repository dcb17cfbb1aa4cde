import { linkSync, mkdirSync, statSync, symlinkSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import type { Digest } from '../core/digest.js';
import { KfmError } from '../core/error.js';
import { hashFileSync } from '../core/hashFile.js';
import type { ContentStore, LocalContentStore } from './contentStore.js';

/** One file of the navigable tree: `data/<path>` holds the store object `digest`. */
export interface TreeEntry {
  /** Relative to the data directory, `/`-separated: `processed/ks_counties/2017.ab12cd34/x.geojson`. */
  path: string;
  digest: Digest;
}

const otherBytes = (entry: TreeEntry) =>
  new KfmError('store', `data/${entry.path} already holds other bytes than ${entry.digest}: files under data/ are never rewritten`);

/**
 * Makes `data/<path>` name a store object. A path that exists is never rewritten: the same
 * bytes are fine; other bytes are an error.
 *
 * For the local file store (the project's own `.kfm/store`), without copying: a hard link to
 * the object (read-only, shared inode), or a relative symlink where hard links are
 * impossible (the data tree on another file system). That is the one place the data tree
 * knows a store's layout, and it lives here, beside the store. For any other store (an
 * object store, the in-memory fake) the object is materialized through the ContentStore
 * interface (`materialize(…, 'link')`: verified bytes, a read-only file).
 */
export async function linkEntry(dataDir: string, store: ContentStore, entry: TreeEntry): Promise<'linked' | 'present'> {
  if (isLocalStore(store)) return linkLocal(dataDir, store, entry);
  const target = join(dataDir, entry.path);
  const existing = await stat(target).catch((e: unknown) => {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  });
  if (existing) {
    if (hashFileSync(target).digest === entry.digest) return 'present';
    throw otherBytes(entry);
  }
  return (await store.materialize(entry.digest, target, 'link')) === 'written' ? 'linked' : 'present';
}

function isLocalStore(store: ContentStore): store is ContentStore & Pick<LocalContentStore, 'pathOf'> {
  return store.descriptor.kind === 'local' && typeof (store as Partial<LocalContentStore>).pathOf === 'function';
}

function linkLocal(dataDir: string, store: Pick<LocalContentStore, 'pathOf'>, entry: TreeEntry): 'linked' | 'present' {
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
      throw otherBytes(entry);
    }
    if (code === 'EXDEV' || code === 'EPERM' || code === 'EMLINK') {
      symlinkSync(relative(dirname(target), object), target);
      return 'linked';
    }
    throw e;
  }
}
