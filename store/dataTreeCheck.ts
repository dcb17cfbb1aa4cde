import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Digest } from '../core/digest.js';
import { hashFileSync } from '../core/hashFile.js';
import type { ContentStore, LocalContentStore } from './contentStore.js';

/** One file of the navigable tree: `data/<path>` holds the store object `digest`. */
export interface TreeEntry {
  /** Relative to the data directory, `/`-separated: `processed/ks_counties/2017.ab12cd34/x.geojson`. */
  path: string;
  digest: Digest;
}

/**
 * Whether `data/<path>` holds its digest's bytes. `intact`; `missing` (no file there);
 * `edited`: bytes that hash to `actual` instead.
 */
export type DataFileCheck = { state: 'intact' } | { state: 'missing' } | { state: 'edited'; actual: Digest; size: number };

/**
 * Is this data file intact? The one check the build's data tree pass, `kfm fsck` and
 * `kfm receipts verify` share.
 *
 * Cheap where it can be: with the local file store, a data file that *is* the store object
 * (a hard link, or a symlink resolving to it) is intact as far as the data tree goes (the
 * object's own bytes are the store's to verify), and a copy kfm wrote carries the object's
 * size and a modification time derived from the object's (`copyMtimeMs`), so a file whose
 * size and mtime still match is taken as intact without reading it. Anything else is re-hashed. With another store there
 * is no object file to compare with: the file is always re-hashed.
 */
export async function checkDataFile(dataDir: string, store: ContentStore, entry: TreeEntry): Promise<DataFileCheck> {
  const target = join(dataDir, entry.path);
  const st = await stat(target).catch((e: unknown) => {
    if (['ENOENT', 'ENOTDIR'].includes((e as NodeJS.ErrnoException).code ?? '')) return undefined;
    throw e;
  });
  if (!st) return { state: 'missing' };
  if (isLocalStore(store)) {
    const object = await stat(store.pathOf(entry.digest)).catch(() => undefined);
    if (object && object.ino === st.ino && object.dev === st.dev) return { state: 'intact' };
    if (object && object.size === st.size && sameMtime(st.mtimeMs, copyMtimeMs(object.mtimeMs))) return { state: 'intact' };
  }
  const { digest, size } = hashFileSync(target);
  return digest === entry.digest ? { state: 'intact' } : { state: 'edited', actual: digest, size };
}

/** A local file store: one whose objects are files this process can stat (the project's own `.kfm/store`). */
export function isLocalStore(store: ContentStore): store is ContentStore & Pick<LocalContentStore, 'pathOf'> {
  return store.descriptor.kind === 'local' && typeof (store as Partial<LocalContentStore>).pathOf === 'function';
}

/**
 * The modification time kfm gives a copy of an object: one second before the object's. An
 * edit sets a file's mtime to the time of the edit, which is never before the copy existed,
 * so it cannot land on this time, even within the same clock tick (file timestamps are
 * coarse: an edit in the tick the object was written would share its mtime).
 */
export function copyMtimeMs(objectMtimeMs: number): number {
  return objectMtimeMs - 1000;
}

/** Set through utimes (a double of seconds): equal to within a millisecond. */
export function sameMtime(a: number, b: number): boolean {
  return Math.abs(a - b) < 1;
}
