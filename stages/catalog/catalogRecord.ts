import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Digest } from '../../core/digest.js';
import { schemaValidator } from '../../store/schemaValidator.js';

/** The format of a catalog record (`kfm_catalog_record_version`). */
export const CATALOG_RECORD_VERSION = 'v1';

/**
 * What the catalog stage recorded for a version (`.kfm/catalogs/<slug>/<dvid>.json`,
 * schemas/catalog-record.schema.json): the key it generated the catalog under, the files it
 * wrote (relative to data/) and the `catalog` receipt it signed. Local, like the state: a
 * clone without it regenerates the same bytes (and signs one receipt saying so).
 */
export interface CatalogRecord {
  kfm_catalog_record_version: typeof CATALOG_RECORD_VERSION;
  dataset_slug: string;
  dataset_version_id: string;
  key: Digest;
  files: { path: string; digest: Digest; media_type: string }[];
  receipt: { run_id: string; seq: number };
}

const validate = schemaValidator('catalog-record');

export function catalogRecordPath(kfmDir: string, slug: string, dvid: string): string {
  return join(kfmDir, 'catalogs', slug, `${dvid}.json`);
}

/** The record, or undefined when there is none or it is not one this kfm can read (then the catalog is generated again). */
export function readCatalogRecord(kfmDir: string, slug: string, dvid: string): CatalogRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(catalogRecordPath(kfmDir, slug, dvid), 'utf8'));
  } catch {
    return undefined;
  }
  if (validate(value).length > 0) return undefined;
  const r = value as CatalogRecord;
  return r.dataset_slug === slug && r.dataset_version_id === dvid ? r : undefined;
}

/** Writes the record through a temp file renamed into place. */
export function writeCatalogRecord(kfmDir: string, record: CatalogRecord): void {
  const path = catalogRecordPath(kfmDir, record.dataset_slug, record.dataset_version_id);
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(record, null, 2)}\n`);
  renameSync(tmp, path);
}
