import type { JsonObject } from '../../core/json.js';
import { absoluteUrl, CATALOG_VERSION, datasetUri, itemName, relativeHref } from './catalogLayout.js';
import type { ArtifactFacts, CatalogFacts } from './catalogFacts.js';
import type { CatalogSources } from './catalogSources.js';
import { CHECKSUM_EXTENSION, FILE_EXTENSION, STAC_VERSION, stacAsset, stacLicense } from './stacAssets.js';
import { stacProviders } from './stacCollection.js';

/**
 * The STAC Item of one feature-bearing artifact (`stac/items/<name>.json`): its geometry is
 * the artifact's computed bbox as a polygon (the features themselves stay in the artifact,
 * its `data` asset), its time the slice's interval, and it links to its collection, the DCAT
 * record (`describedby`) and the PROV bundle (`via`). One Item per artifact, not per
 * feature: a version is published as whole artifacts, each with one digest.
 */
export function stacItem(s: CatalogSources, f: CatalogFacts, a: ArtifactFacts): JsonObject {
  const { layout } = f;
  const name = itemName(a.path);
  const from = layout.item(name);
  const [w, so, e, n] = a.bbox!;
  return {
    type: 'Feature',
    stac_version: STAC_VERSION,
    stac_extensions: [CHECKSUM_EXTENSION, FILE_EXTENSION],
    id: `${s.slug}_${s.dvid}_${name}`,
    collection: `${s.slug}_${s.dvid}`,
    geometry: { type: 'Polygon', coordinates: [[[w, so], [e, so], [e, n], [w, n], [w, so]]] },
    bbox: [w, so, e, n],
    properties: {
      title: a.path,
      datetime: null,
      start_datetime: f.interval.start,
      end_datetime: f.interval.end,
      ...stacLicense(f.license),
      providers: stacProviders(f),
      'kfm:feature_count': a.features ?? 0,
      'kfm:dataset_version_id': s.dvid,
      'kfm:policy_label': f.policyLabel,
    },
    assets: { data: stacAsset(from, a, ['data']) },
    links: [
      { rel: 'self', href: absoluteUrl(s.baseUrl, from), type: 'application/geo+json' },
      { rel: 'collection', href: relativeHref(from, layout.collection), type: 'application/json' },
      { rel: 'parent', href: relativeHref(from, layout.collection), type: 'application/json' },
      { rel: 'root', href: relativeHref(from, layout.collection), type: 'application/json' },
      { rel: 'describedby', href: relativeHref(from, layout.dcat), type: 'application/ld+json', title: 'DCAT record' },
      { rel: 'via', href: relativeHref(from, layout.prov), type: 'application/ld+json', title: 'PROV bundle' },
    ],
    'kfm:catalog_version': CATALOG_VERSION,
    'kfm:dataset': datasetUri(s.slug, s.dvid),
  };
}
