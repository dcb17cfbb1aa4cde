import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { existsSync } from 'node:fs';
import { resolveEvidence } from '../../stages/lineage/resolveEvidence.js';
import { searchSqlite } from '../../stages/projections/sqlite/searchSqlite.js';
import { ApiError, badRequest, notFound } from './apiError.js';
import { maySee } from './operatorAuth.js';
import type { ServeContext } from './serveContext.js';

/** EvidenceRef resolution and search over the SQLite projection. */
export function evidenceRoutes(app: FastifyInstance, ctx: ServeContext): void {
  app.get(
    '/api/v1/evidence',
    {
      schema: {
        tags: ['evidence'],
        summary: 'Resolves an EvidenceRef: kfm://artifact/<digest>#<index>, kfm://artifact/<digest>, dcat://, stac://, prov://, doc://, kfm://dataset/<slug>@<dvid>, kfm://run/<id>',
        querystring: { type: 'object', properties: { ref: { type: 'string' } }, required: ['ref'] },
      },
    },
    async (request) => {
      const { ref } = request.query as { ref: string };
      const outcome = await resolveEvidence(ctx.paths, ctx.store(), ref);
      if (!outcome.ok) throw outcome.problem === 'bad_ref' ? badRequest(outcome.message, 'bad_ref') : notFound(outcome.message);
      const label = outcome.evidence.policy_label;
      // Evidence of a restricted dataset (or of none this checkout registers) is for operators only.
      if (outcome.evidence.dataset_slug !== null && (label === null || !maySee(label, request.operator))) {
        throw notFound(`${ref} resolves to nothing visible here (restricted datasets need an operator token)`);
      }
      return outcome.evidence;
    },
  );

  let db: Database.Database | undefined;
  const projection = (): Database.Database => {
    if (db) return db;
    if (!existsSync(ctx.sqlitePath)) throw notFound('there is no search projection yet (projections/kfm.sqlite): rebuild the projections of the promoted versions first');
    db = new Database(ctx.sqlitePath, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    return db;
  };
  app.addHook('onClose', async () => db?.close());

  app.get(
    '/api/v1/search',
    {
      schema: {
        tags: ['search'],
        summary: 'Full-text search over the projected versions; every hit carries an EvidenceRef that resolves',
        querystring: { type: 'object', properties: { q: { type: 'string' }, limit: { type: 'string' } }, required: ['q'] },
      },
    },
    async (request) => {
      const { q, limit } = request.query as { q: string; limit?: string };
      const n = limit === undefined ? 20 : Number(limit);
      if (!/^[0-9]+$/.test(limit ?? '20') || n < 1 || n > 100) throw badRequest(`limit must be an integer from 1 to 100 (got "${limit}")`);
      if (q.trim() === '') throw badRequest('q must name something to search for');
      let hits;
      try {
        hits = searchSqlite(projection(), q, n);
      } catch (e) {
        if (e instanceof ApiError) throw e;
        throw new ApiError(500, 'projection_unreadable', `projections/kfm.sqlite cannot be searched: ${(e as Error).message}`);
      }
      return { kfm_search_version: 'v1', q, hits: hits.filter((h) => maySee(h.policy_label, request.operator)) };
    },
  );
}
