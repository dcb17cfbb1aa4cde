import { createHash } from 'node:crypto';
import { isAbsolute } from 'node:path';
import picomatch from 'picomatch';
import type { Digest } from '../../core/digest.js';
import { compareCodePoints, type FileStat, type FileSystem } from '../../core/fs.js';

interface MemoryFile {
  content: Buffer;
  ino: number;
  mtimeMs: number;
  ctimeMs: number;
}

export interface WriteOptions {
  /**
   * How far the clock moves before the write is stamped (default 1 ms, so every write gets
   * a distinct mtime). 0 models a write in the same timestamp tick as whatever came before.
   */
  advanceMs?: number;
  /** Replace the file with a new inode (an editor's write-and-rename) instead of writing in place. */
  newInode?: boolean;
}

const DEV = 42;

/**
 * An in-memory FileSystem: files by absolute path, a synthetic stat (one inode per file,
 * mtime and ctime from a clock the test controls), glob through picomatch, and a count of
 * the content reads (`hash` and `readFile`) per path.
 */
export class MemoryFileSystem implements FileSystem {
  readonly #files = new Map<string, MemoryFile>();
  #nextIno = 1000;
  /** The clock, in ms: `now()`, and the mtime/ctime of every write. Only writes and `advance` move it. */
  clockMs: number;
  /** hash() and readFile() calls per absolute path. */
  readonly reads = new Map<string, number>();

  constructor(startMs = 1_700_000_000_000) {
    this.clockMs = startMs;
  }

  advance(ms: number): void {
    this.clockMs += ms;
  }

  write(absPath: string, content: string | Uint8Array, options: WriteOptions = {}): void {
    checkAbsolute(absPath);
    this.clockMs += options.advanceMs ?? 1;
    const existing = this.#files.get(absPath);
    const ino = existing && !options.newInode ? existing.ino : this.#nextIno++;
    this.#files.set(absPath, {
      content: Buffer.from(content),
      ino,
      mtimeMs: this.clockMs,
      ctimeMs: this.clockMs,
    });
  }

  /** Sets the mtime and ctime to now without changing the bytes (`touch`). */
  touch(absPath: string, options: Pick<WriteOptions, 'advanceMs'> = {}): void {
    const f = this.#file(absPath);
    this.clockMs += options.advanceMs ?? 1;
    f.mtimeMs = this.clockMs;
    f.ctimeMs = this.clockMs;
  }

  remove(absPath: string): void {
    if (!this.#files.delete(absPath)) throw enoent(absPath);
  }

  exists(absPath: string): boolean {
    return this.#files.has(absPath);
  }

  /** The bytes of a file, not counted as a read (for fake tasks and assertions). */
  contentOf(absPath: string): Buffer {
    return Buffer.from(this.#file(absPath).content);
  }

  /** Every file path, sorted. */
  paths(): string[] {
    return [...this.#files.keys()].sort(compareCodePoints);
  }

  /** Total content reads since the counters were last reset. */
  totalReads(): number {
    let n = 0;
    for (const c of this.reads.values()) n += c;
    return n;
  }

  /** Paths read at least once since the counters were last reset, sorted. */
  readPaths(): string[] {
    return [...this.reads.keys()].sort(compareCodePoints);
  }

  resetReads(): void {
    this.reads.clear();
  }

  stat(absPath: string): FileStat | undefined {
    const f = this.#files.get(absPath);
    if (!f) return undefined;
    return { dev: DEV, ino: f.ino, size: f.content.length, mtimeMs: f.mtimeMs, ctimeMs: f.ctimeMs };
  }

  hash(absPath: string): { digest: Digest; size: number } {
    const f = this.#read(absPath);
    return { digest: `sha256:${createHash('sha256').update(f.content).digest('hex')}`, size: f.content.length };
  }

  readFile(absPath: string): Buffer {
    return Buffer.from(this.#read(absPath).content);
  }

  glob(patterns: string[], cwd: string): string[] {
    const isMatch = picomatch(patterns, { dot: false });
    const prefix = cwd.endsWith('/') ? cwd : `${cwd}/`;
    const found: string[] = [];
    for (const path of this.#files.keys()) {
      if (!path.startsWith(prefix)) continue;
      const rel = path.slice(prefix.length);
      if (isMatch(rel)) found.push(rel);
    }
    return found.sort(compareCodePoints);
  }

  now(): number {
    return this.clockMs;
  }

  #read(absPath: string): MemoryFile {
    const f = this.#file(absPath);
    this.reads.set(absPath, (this.reads.get(absPath) ?? 0) + 1);
    return f;
  }

  #file(absPath: string): MemoryFile {
    const f = this.#files.get(absPath);
    if (!f) throw enoent(absPath);
    return f;
  }
}

function checkAbsolute(path: string): void {
  if (!isAbsolute(path)) throw new Error(`MemoryFileSystem: ${path} is not absolute`);
}

function enoent(path: string): NodeJS.ErrnoException {
  const e: NodeJS.ErrnoException = new Error(`ENOENT: no such file or directory, open '${path}'`);
  e.code = 'ENOENT';
  e.path = path;
  return e;
}
