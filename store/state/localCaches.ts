import type { Digest } from '../../core/digest.js';
import type { StatEntry } from '../../core/fs.js';

/**
 * What hashing learned on this machine: the stat cache (path → the dev/ino/size/mtime it
 * had when hashed, and its digest) and the imports parsed from each task module (by the
 * module's digest). Synchronous on purpose, not a remote seam: a stat cache is only true
 * of the machine whose file system it describes, so it stays in local SQLite even when
 * results and versions move to PostgreSQL; and it is read once when a project opens (one
 * query each, into Maps the hasher uses) and written once after planning, both on the
 * path of every build, where a no-op build must stay cheap.
 */
export interface LocalCaches {
  /** The whole stat cache, by path. */
  statCache(): Map<string, StatEntry>;
  /** Adds or replaces entries (by path). */
  putStatEntries(entries: readonly StatEntry[]): void;
  /** Parsed imports, by module digest. */
  moduleImports(): Map<Digest, string[]>;
  /** Adds or replaces entries (by digest). */
  putModuleImports(entries: readonly [Digest, string[]][]): void;
  /** Empties both (kfm clean): how many entries each held. Both are rebuilt by the next build's hashing. */
  clearLocalCaches(): { statEntries: number; moduleImports: number };
}
