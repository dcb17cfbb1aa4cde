import Database from 'better-sqlite3';
import { closeSync, openSync, readSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { KfmError } from '../../../core/error.js';
import { decodeHeader, GZIP, HEADER_LENGTH } from './pmtilesHeader.js';

/** The kfm fields a tile archive's metadata carries (what a drift check and a swap read back). */
export interface ArchiveFacts {
  dataset_version_id: string | null;
  feature_count: number | null;
  bounds: number[] | null;
}

function facts(m: Record<string, unknown>): ArchiveFacts {
  const bounds = Array.isArray(m.bounds) ? (m.bounds as number[]) : typeof m.bounds === 'string' ? m.bounds.split(',').map(Number) : null;
  return {
    dataset_version_id: typeof m.dataset_version_id === 'string' ? m.dataset_version_id : null,
    feature_count: m.feature_count === undefined ? null : Number(m.feature_count),
    bounds,
  };
}

/** A PMTiles archive's metadata (the header, then the gzip or uncompressed JSON it points at). */
export function readPmtilesFacts(path: string): ArchiveFacts {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(HEADER_LENGTH);
    readSync(fd, head, 0, HEADER_LENGTH, 0);
    const h = decodeHeader(head, path);
    const raw = Buffer.alloc(h.metadataLength);
    readSync(fd, raw, 0, h.metadataLength, h.metadataOffset);
    const json = h.internalCompression === GZIP ? gunzipSync(raw) : raw;
    return facts(JSON.parse(json.toString('utf8')) as Record<string, unknown>);
  } catch (e) {
    if (e instanceof KfmError) throw e;
    throw new KfmError('store', `${path}: unreadable PMTiles metadata (${(e as Error).message})`);
  } finally {
    closeSync(fd);
  }
}

/** An MBTiles archive's `metadata` rows. */
export function readMbtilesFacts(path: string): ArchiveFacts {
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    const rows = db.prepare('SELECT name, value FROM metadata').all() as { name: string; value: string }[];
    return facts(Object.fromEntries(rows.map((r) => [r.name, r.value])));
  } catch (e) {
    throw new KfmError('store', `${path}: unreadable MBTiles metadata (${(e as Error).message})`);
  } finally {
    db?.close();
  }
}
