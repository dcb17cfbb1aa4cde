import type { Digest } from '../../core/digest.js';
import { KfmError } from '../../core/error.js';
import type { FileSystem, StatEntry } from '../../core/fs.js';

/**
 * A file's mtime is trusted only if it is older than the moment the file was hashed by
 * more than this margin (filesystem timestamps are coarse): a write in the same tick as
 * the hash could otherwise leave the stat unchanged ("racy git").
 */
export const RACY_MARGIN_MS = 50;

/**
 * Content digests of files, through a stat cache: a file whose (dev, inode, size, mtime,
 * ctime) match the cache, and whose mtime was safely older than the hash, is not re-read.
 */
export class FileHasher {
  readonly #fs: FileSystem;
  readonly #cache: Map<string, StatEntry>;
  readonly #updated = new Map<string, StatEntry>();
  /** How many files were read (for tests: a no-op build reads none). */
  reads = 0;

  constructor(fs: FileSystem, cache: Map<string, StatEntry>) {
    this.#fs = fs;
    this.#cache = cache;
  }

  digest(absPath: string, shownPath: string = absPath): Digest {
    const st = this.#fs.stat(absPath);
    if (!st) throw new KfmError('kfmfile', `input file ${shownPath} does not exist`);
    const cached = this.#updated.get(absPath) ?? this.#cache.get(absPath);
    if (
      cached &&
      cached.dev === st.dev &&
      cached.ino === st.ino &&
      cached.size === st.size &&
      cached.mtimeMs === st.mtimeMs &&
      cached.ctimeMs === st.ctimeMs &&
      (cached.mtimeMs < cached.hashedAt - RACY_MARGIN_MS || this.#updated.has(absPath))
    ) {
      return cached.digest;
    }
    const hashedAt = this.#fs.now();
    const { digest } = this.#fs.hash(absPath);
    this.reads++;
    const after = this.#fs.stat(absPath);
    // Record only a stable observation: if the file changed while we read it, do not cache.
    if (after && after.mtimeMs === st.mtimeMs && after.size === st.size && after.ctimeMs === st.ctimeMs) {
      this.#updated.set(absPath, { path: absPath, ...st, digest, hashedAt });
    }
    return digest;
  }

  /** What the digest of a file was taken from: its stat then, and when (undefined if not hashed here). */
  entry(absPath: string): StatEntry | undefined {
    return this.#updated.get(absPath) ?? this.#cache.get(absPath);
  }

  /** Entries hashed during this run, to persist. */
  updatedEntries(): StatEntry[] {
    return [...this.#updated.values()];
  }
}
