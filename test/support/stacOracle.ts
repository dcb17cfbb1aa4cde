/**
 * The official STAC 1.1.0 JSON Schemas (`<root>/../shared/oracles/stac/v1.1.0`), compiled with
 * ajv offline: every file registered by $id (the upstream typo `.../commonjson` rewritten to
 * `.../common.json`), the `iri` and `iri-reference` formats STAC uses (which ajv-formats
 * lacks) registered, and GeoJSON's `$ref`s served from the geojson-schema package. Undefined
 * (with the reason) when the folder is absent: a test then skips, saying why.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { REPO_ROOT } from './cliRig.js';

export const STAC_ORACLE_DIR = join(REPO_ROOT, '..', 'shared', 'oracles', 'stac', 'v1.1.0');

const isIri = (s: string): boolean => {
  try {
    return /^[a-z][a-z0-9+.-]*:/i.test(s) && new URL(s).href !== '';
  } catch {
    return false;
  }
};

export function stacOracle(): { collection: ValidateFunction; item: ValidateFunction } | undefined {
  if (!existsSync(STAC_ORACLE_DIR)) return undefined;
  const ajv = new Ajv({ allErrors: true, strict: false, logger: false });
  (addFormats as unknown as (a: Ajv) => void)(ajv);
  ajv.addFormat('iri', isIri);
  ajv.addFormat('iri-reference', (s: string) => typeof s === 'string' && !/\s/.test(s));
  for (const name of readdirSync(STAC_ORACLE_DIR).filter((n) => n.endsWith('.json'))) {
    const schema = JSON.parse(readFileSync(join(STAC_ORACLE_DIR, name), 'utf8')) as { $id: string };
    schema.$id = schema.$id.replace(/\/commonjson$/, '/common.json').replace(/#$/, '');
    ajv.addSchema(schema);
  }
  const geojson = dirname(createRequire(import.meta.url).resolve('geojson-schema/Feature.json'));
  for (const name of readdirSync(geojson).filter((n) => n.endsWith('.json') && n !== 'package.json')) {
    ajv.addSchema(JSON.parse(readFileSync(join(geojson, name), 'utf8')) as object);
  }
  const get = (id: string) => ajv.getSchema(id)!;
  return {
    collection: get('https://schemas.stacspec.org/v1.1.0/collection-spec/json-schema/collection.json'),
    item: get('https://schemas.stacspec.org/v1.1.0/item-spec/json-schema/item.json'),
  };
}
