import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Digest } from '../../core/digest.js';
import { KfmError } from '../../core/error.js';
import type { Json } from '../../core/json.js';
import { sortedJson } from '../../core/sortedJson.js';
import { schemaValidator } from '../schemaValidator.js';

/** The file, in `.kfm/` beside the ledger (never committed). */
export const LOCAL_ANCHORS_FILE = 'anchors.json';
/** Its format (`kfm_local_anchors_version`). */
export const LOCAL_ANCHORS_VERSION = 'v1';

/** One version's anchor in the ledger that recorded it (schemas/local-anchors.schema.json). */
export interface LocalAnchor {
  dataset_slug: string;
  dataset_version_id: string;
  ledger_id: Digest;
  seq: number;
  entry_hash: Digest;
}

interface LocalAnchorsFile {
  kfm_local_anchors_version: typeof LOCAL_ANCHORS_VERSION;
  anchors: LocalAnchor[];
}

const validate = schemaValidator('local-anchors');

/**
 * The anchors a checkout's ledger keeps for itself (`.kfm/anchors.json`): where the
 * committed registry's anchor of a version names another ledger (a clone), these still pin
 * this ledger's receipts of it, so its truncation is caught. Empty when there is no file; a
 * file that is not JSON or fails its schema is a KfmError `state` naming it.
 */
export function readLocalAnchors(kfmDir: string): LocalAnchor[] {
  const path = join(kfmDir, LOCAL_ANCHORS_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new KfmError('state', `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new KfmError('state', `${path} is not JSON (${(e as Error).message.replace(/\s+/g, ' ')}): it holds this ledger's own receipts anchors; restore it, or move it aside to build without them`);
  }
  const problems = validate(value);
  if (problems.length > 0) throw new KfmError('state', `${path} does not match schemas/local-anchors.schema.json: ${problems.join('; ')}`);
  return (value as LocalAnchorsFile).anchors;
}

/**
 * Adds anchors for versions that have none in this ledger yet (set once per version and
 * ledger: a retry adds nothing), through a temp file renamed into place. Returns the ones added.
 */
export function addLocalAnchors(kfmDir: string, added: readonly LocalAnchor[]): LocalAnchor[] {
  const anchors = readLocalAnchors(kfmDir);
  const has = (a: LocalAnchor) => anchors.some((x) => x.ledger_id === a.ledger_id && x.dataset_slug === a.dataset_slug && x.dataset_version_id === a.dataset_version_id);
  const fresh = added.filter((a) => !has(a));
  if (fresh.length === 0) return [];
  const file: LocalAnchorsFile = { kfm_local_anchors_version: LOCAL_ANCHORS_VERSION, anchors: [...anchors, ...fresh].sort((a, b) => a.seq - b.seq) };
  const problems = validate(file);
  if (problems.length > 0) throw new KfmError('store', `internal: ${LOCAL_ANCHORS_FILE} would not match its schema: ${problems.join('; ')}`);
  const path = join(kfmDir, LOCAL_ANCHORS_FILE);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, sortedJson(file as unknown as Json));
  renameSync(tmp, path);
  return fresh;
}
