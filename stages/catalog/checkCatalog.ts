import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareCodePoints } from '../../core/compareCodePoints.js';
import { sha256, type Digest } from '../../core/digest.js';
import type { ProjectPaths } from '../../engine/load/projectPaths.js';
import { openProjectStore } from '../../engine/load/openSeams.js';
import { schemaValidator } from '../../store/schemaValidator.js';
import type { CatalogCheck, CatalogProblem } from './catalogCheck.js';
import { catalogLayout } from './catalogLayout.js';
import { linkCheck, type ParsedCatalogFile } from './linkCheck.js';
import { rdfCheck } from './rdfCheck.js';

export interface CheckCatalogOptions {
  /** Parse the DCAT and PROV files as RDF and check them with SHACL (default true). */
  rdf?: boolean;
}

const SCHEMAS = {
  dcat: schemaValidator('catalog-dcat'),
  collection: schemaValidator('catalog-stac-collection'),
  item: schemaValidator('catalog-stac-item'),
  prov: schemaValidator('catalog-prov'),
} as const;

/**
 * Validates a version's catalog under `data/catalog/<slug>/<dvid>/`, offline: each file is
 * there and is JSON (`missing`, `schema`), matches kfm's JSON Schema profile
 * (`schemas/catalog-*.schema.json`: `schema`); the DCAT record and the PROV bundle, parsed
 * as RDF, conform to kfm's SHACL shapes (`schemas/shacl/*.ttl`: `shacl`); every cross-link
 * and EvidenceRef resolves to a file under data/ or a store object (`link`); and every
 * digest the catalog states is the digest of the bytes it names (`digest`). Reads only.
 * With `rdf: false` the SHACL check is left out (what `kfm build` runs: the RDF libraries
 * cost about a second to load; `kfm catalog` and promotion run everything).
 */
export async function checkCatalog(paths: ProjectPaths, slug: string, dvid: string, options: CheckCatalogOptions = {}): Promise<CatalogCheck> {
  const layout = catalogLayout(slug, dvid);
  const problems: CatalogProblem[] = [];
  const files: { path: string; digest: Digest }[] = [];
  const parsed: ParsedCatalogFile[] = [];
  const itemsDir = `${layout.dir}/stac/items`;
  const items = listJson(join(paths.dataDir, itemsDir)).map((n) => ({ path: `${itemsDir}/${n}`, kind: 'item' as const }));
  const expected = [
    { path: layout.dcat, kind: 'dcat' as const },
    { path: layout.collection, kind: 'collection' as const },
    ...items,
    { path: layout.prov, kind: 'prov' as const },
  ];
  for (const { path, kind } of expected) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(join(paths.dataDir, path));
    } catch (e) {
      problems.push({ file: path, check: 'missing', message: `data/${path} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` });
      continue;
    }
    files.push({ path, digest: sha256(bytes) });
    let doc: unknown;
    try {
      doc = JSON.parse(bytes.toString('utf8'));
    } catch (e) {
      problems.push({ file: path, check: 'schema', message: `not JSON: ${(e as Error).message}` });
      continue;
    }
    for (const p of SCHEMAS[kind](doc)) problems.push({ file: path, check: 'schema', message: `${p} (schemas/${schemaName(kind)}.schema.json)` });
    if ((kind === 'dcat' || kind === 'prov') && options.rdf !== false) {
      for (const p of await rdfCheck(doc, kind === 'dcat' ? 'dcat-profile' : 'prov-profile')) {
        problems.push({ file: path, check: 'shacl', message: `${p} (schemas/shacl/${kind}-profile.ttl)` });
      }
    }
    parsed.push({ path, doc, kind });
  }
  if (items.length === 0 && !problems.some((p) => p.file === layout.collection)) {
    const collection = parsed.find((f) => f.kind === 'collection')?.doc as { links?: { rel?: unknown }[] } | undefined;
    if (collection?.links?.some((l) => l.rel === 'item')) problems.push({ file: itemsDir, check: 'missing', message: `data/${itemsDir}/ holds no Item, but the Collection links some` });
  }
  const store = openProjectStore(paths);
  problems.push(...(await linkCheck({ files: parsed, dataDir: paths.dataDir, baseUrl: baseUrlOf(parsed, layout.collection), hasObject: (d) => store.has(d) })));
  return { dataset_slug: slug, dataset_version_id: dvid, files, problems };
}

function schemaName(kind: ParsedCatalogFile['kind']): string {
  return kind === 'collection' ? 'catalog-stac-collection' : kind === 'item' ? 'catalog-stac-item' : `catalog-${kind}`;
}

/** The base URL the catalog was generated with: the Collection's `self` href without its own path. */
export function baseUrlOf(files: readonly ParsedCatalogFile[], collectionPath: string): string | undefined {
  const doc = files.find((f) => f.kind === 'collection')?.doc as { links?: { rel?: unknown; href?: unknown }[] } | undefined;
  const self = Array.isArray(doc?.links) ? doc.links.find((l) => l?.rel === 'self')?.href : undefined;
  return typeof self === 'string' && self.endsWith(collectionPath) ? self.slice(0, self.length - collectionPath.length) : undefined;
}

function listJson(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((n) => n.endsWith('.json'))
      .sort(compareCodePoints);
  } catch {
    return [];
  }
}
