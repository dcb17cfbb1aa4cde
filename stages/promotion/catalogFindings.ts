import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { KfmError } from '../../core/error.js';
import type { ProjectPaths } from '../../engine/load/projectPaths.js';
import { checkCatalog } from '../catalog/checkCatalog.js';
import type { CatalogFindings, Evidence } from './promotionEvidence.js';

/** The three records of a version's catalog triplet, relative to its catalog directory. */
const TRIPLET = ['dcat.jsonld', 'stac/collection.json', 'prov/bundle.jsonld'];

/**
 * Gate D's evidence: what checkCatalog finds in `data/catalog/<slug>/<dvid>/`. `missing`
 * when none of DCAT, STAC and PROV has been generated (a version that was never
 * catalogued); `error` when the check itself failed.
 */
export async function catalogFindings(paths: ProjectPaths, slug: string, dvid: string): Promise<Evidence<CatalogFindings>> {
  const dir = join(paths.dataDir, 'catalog', slug, dvid);
  if (!TRIPLET.some((f) => existsSync(join(dir, f)))) {
    return { status: 'missing', message: `no catalog generated for ${slug}@${dvid} (data/catalog/${slug}/${dvid}/ has no ${TRIPLET.join(', ')}): run kfm catalog ${slug}@${dvid}` };
  }
  try {
    const c = await checkCatalog(paths, slug, dvid);
    return { status: 'ok', value: { files: c.files, problems: c.problems } };
  } catch (e) {
    if (e instanceof KfmError || e instanceof Error) return { status: 'error', message: `checking the catalog of ${slug}@${dvid} failed: ${e.message}` };
    throw e;
  }
}
