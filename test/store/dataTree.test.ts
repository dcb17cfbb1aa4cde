/** store/dataTree.ts and store/dataTreeCheck.ts on the file store and the memory fake: link modes, edits restored, clashes refused. */
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Digest } from '../../core/digest.js';
import type { DataTreeLink } from '../../core/kfmConfig.js';
import { FileContentStore, type ContentStore } from '../../store/contentStore.js';
import { linkEntry, restoreEntry } from '../../store/dataTree.js';
import { checkDataFile } from '../../store/dataTreeCheck.js';
import { MemoryContentStore } from '../../store/memory/memoryContentStore.js';

const sha256 = (bytes: string): Digest => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kfm-datatree-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const stores: { name: string; open(): ContentStore; links: boolean }[] = [
  { name: 'FileContentStore', open: () => new FileContentStore(join(dir, 'store')), links: true },
  { name: 'MemoryContentStore', open: () => new MemoryContentStore(), links: false },
];

describe.each(stores)('the data tree over $name', ({ open, links }) => {
  const settings = (link: DataTreeLink) => ({ link, editedDir: join(dir, 'edits') });

  it.each(['copy', 'hardlink', 'symlink'] as const)('link %s: writes the bytes, then finds them present', async (link) => {
    const store = open();
    const { digest } = await store.put(Buffer.from('rows\n'));
    const data = join(dir, 'data');
    const entry = { path: 'processed/a/v/rows.txt', digest };
    expect(await linkEntry(data, store, entry, settings(link))).toEqual({ outcome: 'linked' });
    expect(readFileSync(join(data, entry.path), 'utf8')).toBe('rows\n');
    expect(statSync(join(data, entry.path)).mode & 0o222).toBe(0);
    const st = lstatSync(join(data, entry.path));
    // Only the local store can link; any other store's files are copies.
    if (links && link === 'symlink') expect(st.isSymbolicLink()).toBe(true);
    else expect(st.isFile()).toBe(true);
    if (links && link === 'hardlink') expect(st.nlink).toBe(2);
    else if (!(links && link === 'symlink')) expect(st.nlink).toBe(1);
    expect(await checkDataFile(data, store, entry)).toEqual({ state: 'intact' });
    expect(await linkEntry(data, store, entry, settings(link))).toEqual({ outcome: 'present' });
  });

  it('an edited copy is found, moved aside and restored; the store never changed', async () => {
    const store = open();
    const { digest } = await store.put(Buffer.from('rows\n'));
    const data = join(dir, 'data');
    const entry = { path: 'processed/a/v/rows.txt', digest };
    await linkEntry(data, store, entry, settings('copy'));
    const file = join(data, entry.path);
    chmodSync(file, 0o644);
    writeFileSync(file, 'rowz\n');
    expect(await checkDataFile(data, store, entry)).toEqual({ state: 'edited', actual: sha256('rowz\n'), size: 5 });
    expect(await store.check(digest)).toBe('ok');
    const keptAt = join(dir, 'edits', `${entry.path}.${sha256('rowz\n').slice(7, 23)}`);
    expect(await linkEntry(data, store, entry, settings('copy'))).toEqual({ outcome: 'restored', edited: sha256('rowz\n'), keptAt });
    expect(readFileSync(file, 'utf8')).toBe('rows\n');
    expect(readFileSync(keptAt, 'utf8')).toBe('rowz\n');
  });

  it("a path holding another stored object's bytes is refused, never rewritten", async () => {
    const store = open();
    const a = await store.put(Buffer.from('version one\n'));
    await store.put(Buffer.from('version two\n'));
    const data = join(dir, 'data');
    const file = join(data, 'processed/a/v/rows.txt');
    await linkEntry(data, store, { path: 'processed/a/v/rows.txt', digest: a.digest }, settings('copy'));
    chmodSync(file, 0o644);
    writeFileSync(file, 'version two\n');
    await expect(linkEntry(data, store, { path: 'processed/a/v/rows.txt', digest: a.digest }, settings('copy'))).rejects.toThrow(
      `data/processed/a/v/rows.txt already holds other bytes than ${a.digest} (the stored object ${sha256('version two\n')})`,
    );
    expect(readFileSync(file, 'utf8')).toBe('version two\n');
    // fsck --repair's restore knows the path must hold a.digest: it restores it, keeping the other file.
    expect((await restoreEntry(data, store, { path: 'processed/a/v/rows.txt', digest: a.digest }, settings('copy'))).outcome).toBe('restored');
    expect(readFileSync(file, 'utf8')).toBe('version one\n');
  });

  it('a missing file is missing, and restoring it writes it', async () => {
    const store = open();
    const { digest } = await store.put(Buffer.from('rows\n'));
    const data = join(dir, 'data');
    const entry = { path: 'raw/a/0123456789abcdef/rows.txt', digest };
    expect(await checkDataFile(data, store, entry)).toEqual({ state: 'missing' });
    expect(await restoreEntry(data, store, entry, settings('copy'))).toEqual({ outcome: 'linked' });
    expect(existsSync(join(data, entry.path))).toBe(true);
  });
});
