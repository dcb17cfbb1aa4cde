import { sha256 } from '../../core/digest.js';
import type { JsonObject } from '../../core/json.js';
import { compareCodePoints } from '../../core/compareCodePoints.js';
import { itemName } from './catalogLayout.js';
import { catalogFacts } from './catalogFacts.js';
import type { CatalogFile, CatalogSources } from './catalogSources.js';
import { dcatRecord } from './dcatRecord.js';
import { provBundle } from './provBundle.js';
import { itemArtifacts, stacCollection } from './stacCollection.js';
import { stacItem } from './stacItem.js';

/** A catalog document's bytes: 2-space JSON in the order it was built, and a newline (a pure function of the sources). */
export function catalogBytes(doc: JsonObject): Buffer {
  return Buffer.from(`${JSON.stringify(doc, null, 2)}\n`, 'utf8');
}

/**
 * CatGen: a version's DCAT record, STAC Collection and Items and PROV bundle, from its
 * sources (catalogSources.ts) and nothing else, so the same sources give the same bytes.
 * Files in path order.
 */
export async function generateCatalog(s: CatalogSources): Promise<CatalogFile[]> {
  const f = await catalogFacts(s);
  const docs: [string, string, JsonObject][] = [
    [f.layout.dcat, 'application/ld+json', dcatRecord(s, f)],
    [f.layout.collection, 'application/json', stacCollection(s, f)],
    ...itemArtifacts(f).map((a): [string, string, JsonObject] => [f.layout.item(itemName(a.path)), 'application/geo+json', stacItem(s, f, a)]),
    [f.layout.prov, 'application/ld+json', provBundle(s)],
  ];
  return docs
    .map(([path, media_type, doc]) => {
      const bytes = catalogBytes(doc);
      return { path, bytes, digest: sha256(bytes), media_type };
    })
    .sort((a, b) => compareCodePoints(a.path, b.path));
}
