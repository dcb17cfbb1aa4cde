/** The kfm vocabulary's namespace (CONTRACTS "Catalogs"). */
export const KFM_NS = 'https://kansasfrontiermatrix.org/ns#';

/**
 * The JSON-LD context of kfm's DCAT record and PROV bundle, inlined in each file (no remote
 * context is ever fetched: a catalog parses offline, byte for byte the same everywhere).
 * Typed values are written out in place (`{"@value", "@type"}`), IRIs as `{"@id"}`.
 */
export const CATALOG_CONTEXT = {
  dcat: 'http://www.w3.org/ns/dcat#',
  dct: 'http://purl.org/dc/terms/',
  foaf: 'http://xmlns.com/foaf/0.1/',
  gsp: 'http://www.opengis.net/ont/geosparql#',
  prov: 'http://www.w3.org/ns/prov#',
  xsd: 'http://www.w3.org/2001/XMLSchema#',
  kfm: KFM_NS,
  'kfm:bbox': { '@container': '@list' },
} as const;

/** An `xsd:dateTime` literal. */
export const dateTime = (iso: string) => ({ '@value': iso, '@type': 'xsd:dateTime' });
/** An IRI reference. */
export const ref = (id: string) => ({ '@id': id });
