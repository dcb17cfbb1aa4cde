import { join } from 'node:path';
import { SLUG_RE } from '../../core/spec.js';
import type { ProjectPaths } from '../../engine/load/projectPaths.js';
import type { ContentStore } from '../../store/contentStore.js';
import { readRegistry, type DatasetRegistry } from '../../store/registry/datasetRegistry.js';
import { defaultSqlitePath } from '../../stages/projections/sqlite/sqliteSchema.js';
import { badRequest, notFound } from './apiError.js';
import { maySee } from './operatorAuth.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The request carried the operator token (KFM_SERVE_TOKEN): restricted data is visible. */
    operator: boolean;
  }
}

/** What every route reads from: the project (read-only) and the server's settings. */
export interface ServeContext {
  paths: ProjectPaths;
  /** How the kfmfile is found (the DAG route loads the graph). */
  project: { cwd: string; file?: string };
  /** The content store, opened on first use; undefined while the project has none (opening a FileContentStore creates its folders). */
  store(): ContentStore | undefined;
  /** The tiles directory (`projections/tiles`, or the kfmfile's `projections.tiles.dir`): `<slug>.mbtiles` / `<slug>.pmtiles`. */
  tilesDir: string;
  /** The SQLite projection with the search index (`projections/kfm.sqlite`, or `projections.sqlite.path`). */
  sqlitePath: string;
  /** KFM_SERVE_TOKEN (undefined: no operator access). */
  token: string | undefined;
  /** Identifies this server in audit refs. */
  serverId: string;
}

/** The default projection locations under a project root (a kfmfile's `projections` may move them). */
export function projectionPaths(root: string): { tilesDir: string; sqlitePath: string } {
  return { tilesDir: join(root, 'projections', 'tiles'), sqlitePath: defaultSqlitePath(root) };
}

/**
 * A dataset's registry, if the caller may see it: a malformed slug is 400; a dataset that is
 * not registered, or is restricted and the caller is no operator, is the same 404 (an
 * anonymous caller learns nothing of restricted datasets).
 */
export function visibleRegistry(ctx: ServeContext, slug: string, operator: boolean): DatasetRegistry {
  if (!SLUG_RE.test(slug)) throw badRequest(`"${slug}" is not a dataset slug (^[a-z0-9_]+$)`);
  const registry = readRegistry(ctx.paths.root, slug);
  if (!registry || !maySee(registry.policy_label, operator)) {
    throw notFound(`no dataset "${slug}"${operator ? '' : ' visible here (restricted datasets need an operator token)'}`);
  }
  return registry;
}
