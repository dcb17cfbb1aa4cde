import { canonicalDigest } from '../../core/canonicalJson.js';
import type { Digest } from '../../core/digest.js';
import { CATALOG_VERSION } from './catalogLayout.js';
import type { CatalogSources } from './catalogSources.js';

/**
 * The generator's revision: bumped whenever CatGen writes other bytes for the same sources,
 * so that every version's catalog key changes with it.
 */
export const CATGEN_VERSION = 'catgen-1';

/**
 * The catalog stage's key: a digest over the generator (its revision and the catalog format),
 * the base URL, the version's spec_hash, the digest of its checksums.json and the digests of
 * the receipt files it cites. Everything the catalog bytes are a function of, and nothing
 * else: a retry (new receipts of its own, the same cited ones) has the same key.
 */
export function catalogKey(s: Pick<CatalogSources, 'slug' | 'dvid' | 'zone' | 'specHash' | 'checksums' | 'receipts' | 'baseUrl'>): Digest {
  return canonicalDigest({
    kfm_catalog_key_version: 'v1',
    generator: CATGEN_VERSION,
    catalog_version: CATALOG_VERSION,
    dataset: `${s.slug}@${s.dvid}`,
    // Only a quarantined version's catalog (an override's) names its zone: every processed key stays as it was.
    ...(s.zone === undefined || s.zone === 'processed' ? {} : { zone: s.zone }),
    base_url: s.baseUrl,
    spec_hash: s.specHash,
    checksums: s.checksums.digest,
    receipts: s.receipts.map((r) => r.digest),
  });
}
