import type { Digest } from '../../core/digest.js';
import type { DatasetSpec } from '../../core/spec.js';
import type { VersionZone } from '../../core/versionZones.js';
import type { CitedReceipt } from './firstBuildReceipts.js';

/** A file `checksums.json` lists (relative to the version's processed folder). */
export interface ChecksumsFile {
  path: string;
  digest: Digest;
  size: number;
  media_type: string;
}

/**
 * Everything a version's catalog is generated from, and nothing else: the version's identity
 * and slice, the spec it was built from, its `checksums.json` (bytes, digest, files), the
 * signed receipts of the run that produced it, and read access to its artifacts' bytes. The
 * registry's mutable parts (a version's status, `latest_version_id`) are not here on purpose:
 * they never reach catalog bytes.
 */
export interface CatalogSources {
  slug: string;
  dvid: string;
  slice: string;
  /** Where the version's files are under data/: `processed` (a version kfm builds and catalogues), or `quarantine` (a quarantined version catalogued only for a steward's override promotion). Absent: `processed`. */
  zone?: VersionZone;
  specHash: Digest;
  spec: DatasetSpec;
  checksums: { digest: Digest; size: number; files: ChecksumsFile[] };
  receipts: CitedReceipt[];
  /** Absolute URL prefix of data/ (catalogLayout.ts). */
  baseUrl: string;
  /** A store object's bytes, verified against its digest. */
  read: (digest: Digest) => Promise<Buffer>;
}

/** A generated catalog file: its path under data/, bytes, digest and media type. */
export interface CatalogFile {
  path: string;
  bytes: Buffer;
  digest: Digest;
  media_type: string;
}
