import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { Digest } from '../../core/digest.js';
import { hashFileSync } from '../../core/hashFile.js';
import { versionKey } from './retainedVersions.js';

/**
 * Which of `candidates` (objects nothing else keeps live, with their sizes) a regular file
 * under data/ holds: a copy or hard link of a store object (a receipt file, a checksums.json,
 * an artifact, a catalog record, whatever a stage links there) keeps that object live, so that
 * gc never removes the bytes behind a navigable file (`live`). Files inside the directory of a
 * dropped version (`data/<zone>/<slug>/<dvid>/`) do not keep theirs: those are `ofDropped`. Only a file whose size equals a
 * candidate's is hashed, so a data/ tree of large artifacts kfm already keeps costs stats.
 */
export function dataFileObjects(dataDir: string, candidates: ReadonlyMap<Digest, number>, dropped: ReadonlySet<string>): { live: Set<Digest>; ofDropped: Set<Digest> } {
  const found = { live: new Set<Digest>(), ofDropped: new Set<Digest>() };
  if (candidates.size === 0 || !existsSync(dataDir)) return found;
  const sizes = new Set(candidates.values());
  for (const e of readdirSync(dataDir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const path = join(e.parentPath, e.name);
    const [, slug, dvid] = relative(dataDir, path).split(sep);
    const ofDropped = slug !== undefined && dvid !== undefined && dropped.has(versionKey(slug, dvid));
    const size = statSync(path, { throwIfNoEntry: false })?.size;
    if (size === undefined || !sizes.has(size)) continue;
    const { digest } = hashFileSync(path);
    if (candidates.has(digest)) (ofDropped ? found.ofDropped : found.live).add(digest);
  }
  return found;
}
