import { randomBytes } from 'node:crypto';
import { closeSync, copyFileSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** A temp name beside `path` (same directory, so a rename is atomic). */
export function tempBeside(path: string): string {
  return join(dirname(path), `.${randomBytes(6).toString('hex')}.kfm-tmp`);
}

/** Writes bytes at `path` by a fsynced temp file renamed over it: a reader sees the old file or the new one. */
export function writeFileAtomic(path: string, bytes: Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = tempBeside(path);
  const fd = openSync(tmp, 'wx', 0o644);
  try {
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/** Fills a temp file beside `path` with `fill(tmp)`, then renames it over `path` (removed on failure). */
export function replaceVia(path: string, fill: (tmp: string) => void): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = tempBeside(path);
  try {
    fill(tmp);
    const fd = openSync(tmp, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** Replaces `path` with a copy of `source`, atomically (the copy is made beside it, then renamed). */
export function replaceWithCopy(source: string, path: string): void {
  replaceVia(path, (tmp) => copyFileSync(source, tmp));
}
