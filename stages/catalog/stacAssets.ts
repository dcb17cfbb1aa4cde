import { digestHex, type Digest } from '../../core/digest.js';
import type { JsonObject } from '../../core/json.js';
import { QA_REPORT_NAME } from '../../engine/receipts/datasetReceipts.js';
import { relativeHref } from './catalogLayout.js';
import type { ArtifactFacts } from './catalogFacts.js';

/** The STAC version kfm writes, and the extension whose `checksum:multihash` its assets carry. */
export const STAC_VERSION = '1.1.0';
export const CHECKSUM_EXTENSION = 'https://stac-extensions.github.io/checksum/v1.0.0/schema.json';
export const FILE_EXTENSION = 'https://stac-extensions.github.io/file/v2.1.0/schema.json';

/** A SHA-256 digest as a multihash (hex): `12` (sha2-256), `20` (32 bytes), the digest. */
export function multihash(digest: Digest): string {
  return `1220${digestHex(digest)}`;
}

/** The STAC asset of an artifact, its href relative to the file `from` (a path under data/). */
export function stacAsset(from: string, a: Pick<ArtifactFacts, 'path' | 'dataPath' | 'digest' | 'size' | 'media_type'>, roles?: string[]): JsonObject {
  return {
    href: relativeHref(from, a.dataPath),
    type: a.media_type,
    title: a.path,
    roles: roles ?? (a.path === QA_REPORT_NAME ? ['metadata'] : ['data']),
    'file:size': a.size,
    'kfm:digest': a.digest,
    'checksum:multihash': multihash(a.digest),
  };
}

/** Names a spec licence may have that are not SPDX identifiers: STAC says `other` for them. */
const NOT_SPDX = new Set(['public-domain', 'proprietary', 'various', 'unknown', 'other']);

/** STAC's `license`: the spec's SPDX identifier as it is, else `other` (the spec's value then goes in `kfm:license`). */
export function stacLicense(license: string): { license: string; 'kfm:license'?: string } {
  return NOT_SPDX.has(license.toLowerCase()) || !/^[\w\-.+]+$/.test(license) ? { license: 'other', 'kfm:license': license } : { license };
}
