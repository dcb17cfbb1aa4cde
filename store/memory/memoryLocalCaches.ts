import type { Digest } from '../../core/digest.js';
import type { StatEntry } from '../../core/fs.js';
import type { LocalCaches } from '../state/localCaches.js';

/** The fields SQLite keeps of an entry (a caller's extra fields are not stored). */
const copy = (e: StatEntry): StatEntry => ({
  path: e.path,
  dev: e.dev,
  ino: e.ino,
  size: e.size,
  mtimeMs: e.mtimeMs,
  ctimeMs: e.ctimeMs,
  digest: e.digest,
  hashedAt: e.hashedAt,
});

/** The LocalCaches fake: two Maps (synchronous, like the seam). */
export class MemoryLocalCaches implements LocalCaches {
  readonly #stat = new Map<string, StatEntry>();
  readonly #imports = new Map<Digest, string[]>();

  statCache(): Map<string, StatEntry> {
    return new Map([...this.#stat].map(([k, v]) => [k, copy(v)]));
  }

  putStatEntries(entries: readonly StatEntry[]): void {
    for (const e of entries) this.#stat.set(e.path, copy(e));
  }

  moduleImports(): Map<Digest, string[]> {
    return new Map([...this.#imports].map(([k, v]) => [k, [...v]]));
  }

  putModuleImports(entries: readonly [Digest, string[]][]): void {
    for (const [d, imports] of entries) this.#imports.set(d, [...imports]);
  }

  clearLocalCaches(): { statEntries: number; moduleImports: number } {
    const counts = { statEntries: this.#stat.size, moduleImports: this.#imports.size };
    this.#stat.clear();
    this.#imports.clear();
    return counts;
  }
}
