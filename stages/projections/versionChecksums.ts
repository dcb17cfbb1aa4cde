import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDigest, type Digest } from '../../core/digest.js';
import { KfmError } from '../../core/error.js';

/** A file of a version, as `processed/<slug>/<dvid>/checksums.json` lists it. */
export interface ChecksumsEntry {
  path: string;
  digest: Digest;
  size: number;
  media_type: string;
}

/**
 * The files of a version (`data/processed/<slug>/<dvid>/checksums.json`, format v1),
 * checked to be that version's. Missing: a KfmError `usage` (the version is not built in
 * this checkout); malformed: a KfmError `store` naming the file.
 */
export function versionChecksums(dataDir: string, slug: string, dvid: string, specHash: Digest): ChecksumsEntry[] {
  const rel = `processed/${slug}/${dvid}/checksums.json`;
  let text: string;
  try {
    text = readFileSync(join(dataDir, rel), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new KfmError('store', `cannot read data/${rel}: ${(e as Error).message}`);
    throw new KfmError('usage', `${slug}@${dvid} is not built in this checkout (no data/${rel})`);
  }
  let doc: { kfm_checksums_version?: unknown; dataset_version_id?: unknown; spec_hash?: unknown; files?: unknown };
  try {
    doc = JSON.parse(text) as typeof doc;
  } catch (e) {
    throw new KfmError('store', `data/${rel} is not JSON: ${(e as Error).message}`);
  }
  const files = Array.isArray(doc.files) ? (doc.files as Partial<ChecksumsEntry>[]) : [];
  const ok =
    doc.kfm_checksums_version === 'v1' &&
    doc.dataset_version_id === dvid &&
    doc.spec_hash === specHash &&
    files.every((f) => typeof f.path === 'string' && isDigest(f.digest) && typeof f.media_type === 'string');
  if (!ok) throw new KfmError('store', `data/${rel} is not the v1 checksums of ${slug}@${dvid} with spec_hash ${specHash}`);
  return files as ChecksumsEntry[];
}
