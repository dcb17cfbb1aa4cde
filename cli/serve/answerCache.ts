import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ProjectPaths } from '../../engine/load/projectPaths.js';
import { liveLockHolder } from '../../store/projectLock.js';

/**
 * What the lineage answers are computed from, as one string: the size and mtime (ns) of
 * every registry file, of the ledger and the state databases and their WAL files, the live
 * lock holder (a build starting or ending changes it) and the data/ folders' mtimes (a QA
 * report appears). Any commit to a WAL database writes its WAL file, so a change anywhere
 * changes the fingerprint; reading it costs one stat per file, no database read.
 */
export function projectFingerprint(paths: ProjectPaths): string {
  const parts: string[] = [];
  const stat = (path: string) => {
    const s = statSync(path, { throwIfNoEntry: false, bigint: true });
    parts.push(s ? `${s.size}:${s.mtimeNs}` : '-');
  };
  const registry = join(paths.root, 'registry');
  let files: string[] = [];
  try {
    files = readdirSync(registry).sort();
  } catch {
    // No registry yet.
  }
  parts.push(files.join(','));
  for (const f of files) stat(join(registry, f));
  for (const f of ['ledger.db', 'ledger.db-wal', 'state.db', 'state.db-wal']) stat(join(paths.kfmDir, f));
  for (const zone of ['processed', 'quarantine', 'catalog']) stat(join(paths.dataDir, zone));
  const holder = liveLockHolder(paths.kfmDir);
  parts.push(holder ? `${holder.pid}@${holder.started_at}` : 'unlocked');
  return parts.join('|');
}

/**
 * One answer kept while the project's fingerprint stays the same; concurrent requests on a
 * change share one computation. A failed computation is not kept.
 */
export class AnswerCache<T> {
  #key: string | undefined;
  #value: Promise<T> | undefined;

  get(key: string, compute: () => Promise<T>): Promise<T> {
    if (this.#value && this.#key === key) return this.#value;
    const value = compute();
    this.#key = key;
    this.#value = value;
    value.catch(() => {
      if (this.#value === value) this.#value = undefined;
    });
    return value;
  }
}
