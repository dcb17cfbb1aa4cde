/** Media types of the extensions geospatial sources come in. Lower-case keys, no dot. */
const BY_EXTENSION: Readonly<Record<string, string>> = {
  json: 'application/json',
  geojson: 'application/geo+json',
  topojson: 'application/json',
  jsonld: 'application/ld+json',
  ndjson: 'application/x-ndjson',
  geojsonl: 'application/geo+json-seq',
  csv: 'text/csv',
  tsv: 'text/tab-separated-values',
  txt: 'text/plain',
  xml: 'application/xml',
  gml: 'application/gml+xml',
  kml: 'application/vnd.google-earth.kml+xml',
  kmz: 'application/vnd.google-earth.kmz',
  gpx: 'application/gpx+xml',
  zip: 'application/zip',
  gz: 'application/gzip',
  pbf: 'application/x-protobuf',
  mvt: 'application/vnd.mapbox-vector-tile',
  pmtiles: 'application/vnd.pmtiles',
  mbtiles: 'application/vnd.sqlite3',
  gpkg: 'application/geopackage+sqlite3',
  parquet: 'application/vnd.apache.parquet',
  tif: 'image/tiff',
  tiff: 'image/tiff',
  png: 'image/png',
  pdf: 'application/pdf',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

export const OCTET_STREAM = 'application/octet-stream';

/** The media type of a file name by its extension, or undefined when the extension is unknown. */
export function mediaTypeFromName(name: string): string | undefined {
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return undefined;
  return BY_EXTENSION[name.slice(dot + 1).toLowerCase()];
}

/**
 * The media type to store a fetched body under: the extension's when it is known (servers
 * often say `text/plain` for JSON), else the response's Content-Type without parameters,
 * else application/octet-stream.
 */
export function guessMediaType(name: string, contentType?: string | null): string {
  const byName = mediaTypeFromName(name);
  if (byName !== undefined) return byName;
  const declared = contentType?.split(';')[0]?.trim().toLowerCase();
  return declared ? declared : OCTET_STREAM;
}
