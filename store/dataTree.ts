import { constants, copyFileSync, linkSync, mkdirSync, renameSync, symlinkSync } from 'node:fs';
import { chmod, lstat, rename, stat, unlink, utimes } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname, join, relative } from 'node:path';
import type { Digest } from '../core/digest.js';
import { digestHex } from '../core/digest.js';
import { KfmError } from '../core/error.js';
import { hashFileSync } from '../core/hashFile.js';
import type { DataTreeLink } from '../core/kfmConfig.js';
import type { ContentStore, LocalContentStore } from './contentStore.js';
import { checkDataFile, copyMtimeMs, isLocalStore, type TreeEntry } from './dataTreeCheck.js';

export type { TreeEntry } from './dataTreeCheck.js';

/** How the data tree is written: the kfmfile's `dataTree.link`, and where edited files are moved aside. */
export interface DataTreeSettings {
  link: DataTreeLink;
  /** Where a data file whose bytes were edited is moved before it is restored (`.kfm/data-edits`). */
  editedDir: string;
}

/** What `linkEntry` did. `restored`: the file held edited bytes (`edited`), now kept at `keptAt`; it holds the digest's bytes again. */
export type LinkOutcome = { outcome: 'linked' } | { outcome: 'present' } | { outcome: 'restored'; edited: Digest; keptAt: string };

const otherBytes = (entry: TreeEntry, actual: Digest) =>
  new KfmError(
    'store',
    `data/${entry.path} already holds other bytes than ${entry.digest} (the stored object ${actual}): files under data/ are never rewritten with another version's bytes`,
  );

/**
 * Makes `data/<path>` hold a store object's bytes, as `settings.link` says (DataTreeLink).
 *
 * A path that exists is never rewritten with other bytes *of kfm's*: holding the digest's
 * bytes it is `present`; holding the bytes of another stored object (another version's
 * output, two versions claiming one path) it is a KfmError `store`, as ever. Holding bytes
 * the store does not know, it is a file kfm wrote and someone edited: the edited file is
 * moved to `settings.editedDir` (nothing is lost) and the path restored from the store.
 */
export async function linkEntry(dataDir: string, store: ContentStore, entry: TreeEntry, settings: DataTreeSettings): Promise<LinkOutcome> {
  const target = join(dataDir, entry.path);
  const found = await checkDataFile(dataDir, store, entry);
  if (found.state === 'intact') return { outcome: 'present' };
  if (found.state === 'edited') {
    if (await store.has(found.actual, found.size)) throw otherBytes(entry, found.actual);
    const keptAt = join(settings.editedDir, `${entry.path}.${digestHex(found.actual).slice(0, 16)}`);
    mkdirSync(dirname(keptAt), { recursive: true });
    renameSync(target, keptAt);
    await writeEntry(target, store, entry, settings.link);
    return { outcome: 'restored', edited: found.actual, keptAt };
  }
  await removeDangling(target);
  await writeEntry(target, store, entry, settings.link);
  return { outcome: 'linked' };
}

/** A symlink whose object is gone (quarantined) is "missing" to stat but still holds the name. */
async function removeDangling(target: string): Promise<void> {
  const st = await lstat(target).catch(() => undefined);
  if (st?.isSymbolicLink()) await unlink(target);
}

/** Writes a path that does not exist (a race with another writer ends as `present` or the other-bytes error). */
async function writeEntry(target: string, store: ContentStore, entry: TreeEntry, link: DataTreeLink): Promise<void> {
  mkdirSync(dirname(target), { recursive: true });
  if (!isLocalStore(store)) {
    // No object file to link to: verified bytes, a read-only file.
    await store.materialize(entry.digest, target, 'copy');
    return;
  }
  const object = store.pathOf(entry.digest);
  if (link === 'copy') return copyLocal(store, entry, target);
  // A link shares the object: verified first, since a link to corrupt bytes would spread them.
  const check = await store.check(entry.digest);
  if (check !== 'ok') throw new KfmError('store', `store object ${entry.digest} is ${check}: data/${entry.path} is not linked to it`);
  try {
    if (link === 'hardlink') linkSync(object, target);
    else symlinkSync(relative(dirname(target), object), target);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return presentOrRefuse(target, store, entry);
    // Hard links impossible here (another file system): a relative symlink, as before.
    if (link === 'hardlink' && (code === 'EXDEV' || code === 'EPERM' || code === 'EMLINK')) {
      symlinkSync(relative(dirname(target), object), target);
      return;
    }
    throw e;
  }
}

/**
 * A copy of a local object: a reflink where the file system has one (COPYFILE_FICLONE falls
 * back to a copy), verified, read-only, with a modification time derived from the object's
 * (`copyMtimeMs`: what lets the data tree check skip re-hashing it), put in place without
 * replacing anything.
 */
async function copyLocal(store: ContentStore & Pick<LocalContentStore, 'pathOf'>, entry: TreeEntry, target: string): Promise<void> {
  const object = store.pathOf(entry.digest);
  const tmp = `${target}.kfm-${randomBytes(6).toString('hex')}`;
  try {
    try {
      copyFileSync(object, tmp, constants.COPYFILE_FICLONE | constants.COPYFILE_EXCL);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new KfmError('store', `store object ${entry.digest} is missing (${object})`);
      throw e;
    }
    const { digest } = hashFileSync(tmp);
    if (digest !== entry.digest) throw new KfmError('store', `store object ${entry.digest} is corrupt: its bytes hash to ${digest}`);
    const st = await stat(object);
    await chmod(tmp, 0o444);
    await utimes(tmp, st.atimeMs / 1000, copyMtimeMs(st.mtimeMs) / 1000);
    try {
      linkSync(tmp, target);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return await presentOrRefuse(target, store, entry);
      await rename(tmp, target);
    }
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

async function presentOrRefuse(target: string, store: ContentStore, entry: TreeEntry): Promise<void> {
  const { digest } = hashFileSync(target);
  if (digest !== entry.digest) throw otherBytes(entry, digest);
}

/** Restores a data file from the store: whatever is at the path (edited bytes) is moved to `keptAt` first. `kfm fsck --repair`. */
export async function restoreEntry(dataDir: string, store: ContentStore, entry: TreeEntry, settings: DataTreeSettings): Promise<LinkOutcome> {
  const target = join(dataDir, entry.path);
  const found = await checkDataFile(dataDir, store, entry);
  if (found.state === 'intact') return { outcome: 'present' };
  if (found.state === 'missing') {
    await removeDangling(target);
    await writeEntry(target, store, entry, settings.link);
    return { outcome: 'linked' };
  }
  const keptAt = join(settings.editedDir, `${entry.path}.${digestHex(found.actual).slice(0, 16)}`);
  mkdirSync(dirname(keptAt), { recursive: true });
  renameSync(target, keptAt);
  await writeEntry(target, store, entry, settings.link);
  return { outcome: 'restored', edited: found.actual, keptAt };
}
