import { readFileSync, realpathSync, statSync } from 'node:fs';
import fg from 'fast-glob';
import { compareCodePoints } from './compareCodePoints.js';
import type { Digest } from './digest.js';
import { hashFileSync } from './hashFile.js';

/** What kfm keeps of a stat: enough to tell that a file is unchanged without reading it. */
export interface FileStat {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
}

/** One stat-cache row: the stat of a file when it was hashed, and the digest then. */
export interface StatEntry extends FileStat {
  path: string;
  digest: Digest;
  /** Wall-clock ms when the file was read for hashing. */
  hashedAt: number;
}

/**
 * The engine's view of the project's files (real or in memory). Synchronous on purpose:
 * a tight stat loop beats thousands of promises on a no-op build.
 */
export interface FileSystem {
  /** undefined when the file does not exist. */
  stat(absPath: string): FileStat | undefined;
  /** Reads and hashes a file's bytes. */
  hash(absPath: string): { digest: Digest; size: number };
  readFile(absPath: string): Buffer;
  /** Files matching the patterns under cwd: relative, `/`-separated, sorted by code point. */
  glob(patterns: string[], cwd: string): string[];
  /** Wall clock in milliseconds (used to tell whether a file's mtime can be trusted). */
  now(): number;
  /** The path with every symlink resolved (realpath); fakes without symlinks may leave it out. */
  realPath?(absPath: string): string;
}

export const nodeFileSystem: FileSystem = {
  stat(absPath) {
    const s = statSync(absPath, { throwIfNoEntry: false });
    if (!s || !s.isFile()) return undefined;
    return { dev: s.dev, ino: s.ino, size: s.size, mtimeMs: s.mtimeMs, ctimeMs: s.ctimeMs };
  },
  hash: hashFileSync,
  readFile: (absPath) => readFileSync(absPath),
  glob(patterns, cwd) {
    const found = fg.sync(patterns, { cwd, dot: false, onlyFiles: true, unique: true, followSymbolicLinks: true });
    return found.sort(compareCodePoints);
  },
  now: () => Date.now(),
  // The native realpath(3): one call per path, not a JS lstat per path component (10k inputs: ~130 ms → a few).
  realPath: (absPath) => realpathSync.native(absPath),
};

/** The order of every sorted list kfm hashes; defined in core/compareCodePoints.ts, here for the file-system seam's users. */
export { compareCodePoints };
