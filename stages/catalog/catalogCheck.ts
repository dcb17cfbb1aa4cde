import type { Digest } from '../../core/digest.js';

/** Which check found a problem in a catalog file. */
export type CatalogCheckKind = 'missing' | 'schema' | 'shacl' | 'link' | 'digest';

/** One problem `checkCatalog` found. `file` is relative to data/ (`catalog/<slug>/<dvid>/dcat.jsonld`). */
export interface CatalogProblem {
  file: string;
  check: CatalogCheckKind;
  message: string;
}

/**
 * What `checkCatalog` (stages/catalog/checkCatalog.ts) found for one version's catalog:
 * the catalog files it read (relative to data/, with the digest of their bytes) and every
 * problem, in a stable order. No problems: the catalog is valid, offline.
 */
export interface CatalogCheck {
  dataset_slug: string;
  dataset_version_id: string;
  files: { path: string; digest: Digest }[];
  problems: CatalogProblem[];
}
