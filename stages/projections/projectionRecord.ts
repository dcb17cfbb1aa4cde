import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { canonicalDigest } from '../../core/canonicalJson.js';
import type { Digest } from '../../core/digest.js';
import { KfmError } from '../../core/error.js';
import { schemaValidator } from '../../store/schemaValidator.js';

export const PROJECTION_RECORD_VERSION = 'v1';

/**
 * `.kfm/projections/<target>.json` (schemas/projection-record.schema.json): what kfm last
 * loaded into a target, so that a rebuild of a version that is already current can skip
 * without reading a byte of it. `fingerprint` is the target's files as kfm left them (name,
 * size, mtime of each); a target whose files changed since (edited, replaced or written by
 * something else) no longer matches, and every dataset is checked and reloaded in full.
 * PostGIS has no fingerprint (a server's tables cannot be stat'ed): it is always checked.
 */
export interface ProjectionRecord {
  kfm_projection_record_version: typeof PROJECTION_RECORD_VERSION;
  target: string;
  fingerprint: Digest | null;
  datasets: Record<string, { dataset_version_id: string; key: Digest }>;
}

const validate = schemaValidator('projection-record');

export const projectionRecordPath = (kfmDir: string, target: string) => join(kfmDir, 'projections', `${target}.json`);

/** The record of a target; an empty one when there is none. Damaged: a KfmError `state` naming it (delete it to start over). */
export function readProjectionRecord(kfmDir: string, target: string): ProjectionRecord {
  const path = projectionRecordPath(kfmDir, target);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { kfm_projection_record_version: PROJECTION_RECORD_VERSION, target, fingerprint: null, datasets: {} };
    throw new KfmError('state', `cannot read ${path}: ${(e as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new KfmError('state', `${path} is not JSON (${(e as Error).message}): delete it and kfm rebuild checks every target in full`);
  }
  const problems = validate(value);
  if (problems.length > 0) throw new KfmError('state', `${path} is not a v1 projection record (${problems.join('; ')}): delete it and kfm rebuild checks every target in full`);
  return value as ProjectionRecord;
}

/** Writes the record (to a temp file, then renamed into place). */
export function writeProjectionRecord(kfmDir: string, record: ProjectionRecord): void {
  const path = projectionRecordPath(kfmDir, record.target);
  mkdirSync(join(kfmDir, 'projections'), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(record, null, 2) + '\n');
  renameSync(tmp, path);
}

/** The fingerprint of a target's files: every file under `paths` (a file or a directory), its path, size and mtime. */
export function filesFingerprint(paths: readonly string[]): Digest {
  const seen: [string, number, number][] = [];
  const visit = (p: string, base: string) => {
    const st = statSync(p, { throwIfNoEntry: false });
    if (!st) return;
    if (st.isDirectory()) {
      for (const name of readdirSync(p).sort()) visit(join(p, name), base);
    } else if (!p.endsWith('.tmp')) {
      seen.push([relative(base, p) || p, st.size, st.mtimeMs]);
    }
  };
  for (const p of paths) visit(p, p);
  return canonicalDigest(seen);
}
