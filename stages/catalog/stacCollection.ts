import type { JsonObject } from '../../core/json.js';
import { absoluteUrl, CATALOG_VERSION, datasetUri, itemName, relativeHref } from './catalogLayout.js';
import type { CatalogFacts } from './catalogFacts.js';
import type { CatalogSources } from './catalogSources.js';
import { CHECKSUM_EXTENSION, FILE_EXTENSION, STAC_VERSION, stacAsset, stacLicense } from './stacAssets.js';

/** The providers of a version: the upstream authority (licensor, producer, with the attribution) and kfm (processor). */
export function stacProviders(f: CatalogFacts): JsonObject[] {
  return [
    { name: f.authority, ...(f.attribution !== undefined ? { description: f.attribution } : {}), roles: ['licensor', 'producer'] },
    { name: 'kfm', description: 'Built, checked and catalogued by kfm from signed run receipts', roles: ['processor'] },
  ];
}

/** The artifacts that get an Item: those with features (GeoJSON with at least one position). */
export const itemArtifacts = (f: CatalogFacts) => f.artifacts.filter((a) => a.bbox !== undefined);

/**
 * The version's STAC Collection (`stac/collection.json`): id `<slug>_<dvid>`, the computed
 * bbox and the slice's interval, licence and providers, one asset per processed artifact
 * and `checksums.json` (each with `kfm:digest` and `checksum:multihash`), and links: an
 * absolute `self`, `root`, one `item` per Item, `describedby` the DCAT record and `via` the
 * PROV bundle.
 */
export function stacCollection(s: CatalogSources, f: CatalogFacts): JsonObject {
  const { layout } = f;
  const from = layout.collection;
  const assets: JsonObject = {};
  for (const a of f.artifacts) assets[itemName(a.path)] = stacAsset(from, a);
  assets.checksums = stacAsset(
    from,
    { path: 'checksums.json', dataPath: layout.processed('checksums.json'), digest: s.checksums.digest, size: s.checksums.size, media_type: 'application/json' },
    ['metadata'],
  );
  return {
    type: 'Collection',
    stac_version: STAC_VERSION,
    stac_extensions: [CHECKSUM_EXTENSION, FILE_EXTENSION],
    id: `${s.slug}_${s.dvid}`,
    title: s.spec.title,
    description: typeof s.spec.description === 'string' && s.spec.description !== '' ? s.spec.description : s.spec.title,
    ...stacLicense(f.license),
    providers: stacProviders(f),
    extent: { spatial: { bbox: [[...f.bbox]] }, temporal: { interval: [[f.interval.start, f.interval.end]] } },
    assets,
    links: [
      { rel: 'self', href: absoluteUrl(s.baseUrl, from), type: 'application/json' },
      { rel: 'root', href: './collection.json', type: 'application/json' },
      ...itemArtifacts(f).map((a) => ({ rel: 'item', href: relativeHref(from, layout.item(itemName(a.path))), type: 'application/geo+json' })),
      { rel: 'describedby', href: relativeHref(from, layout.dcat), type: 'application/ld+json', title: 'DCAT record' },
      { rel: 'via', href: relativeHref(from, layout.prov), type: 'application/ld+json', title: 'PROV bundle' },
    ],
    'kfm:catalog_version': CATALOG_VERSION,
    'kfm:dataset': datasetUri(s.slug, s.dvid),
    'kfm:dataset_slug': s.slug,
    'kfm:dataset_version_id': s.dvid,
    'kfm:spec_hash': s.specHash,
    'kfm:policy_label': f.policyLabel,
  };
}
