import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kfmVersion } from '../../core/kfmVersion.js';
import { installErrorHandlers, type ServeErrorLog } from './apiError.js';
import { evidenceRoutes } from './evidenceRoutes.js';
import { lineageRoutes } from './lineageRoutes.js';
import { isOperator } from './operatorAuth.js';
import type { ServeContext } from './serveContext.js';
import { tileRoutes } from './tileRoutes.js';

/** The page's own files: `web/` at the package root (two folders up from cli/serve/, three from dist/cli/serve/). */
export const WEB_DIR = [new URL('../../../web/', import.meta.url), new URL('../../web/', import.meta.url)]
  .map((u) => fileURLToPath(u))
  .find((dir) => existsSync(join(dir, 'index.html')))!;

const require = createRequire(import.meta.url);

/** The browser libraries the page uses, served from their npm packages' dist files (no CDN, no bundler). */
function vendorFiles(): Record<string, string> {
  const maplibre = require.resolve('maplibre-gl');
  return {
    'maplibre-gl.js': maplibre,
    'maplibre-gl.css': join(dirname(maplibre), 'maplibre-gl.css'),
    'pmtiles.js': join(dirname(require.resolve('pmtiles')), '..', 'pmtiles.js'),
    'viz-global.js': join(dirname(require.resolve('@viz-js/viz')), 'viz-global.js'),
  };
}

/**
 * The `kfm serve` application: read-only JSON routes under /api/v1 (OpenAPI at
 * /api/v1/openapi.json), tiles under /tiles, the page at /. Every error is
 * `{error_code, message, audit_ref}`; `log` gets one record per error.
 */
export async function serveApp(ctx: ServeContext, log: (entry: ServeErrorLog) => void): Promise<FastifyInstance> {
  let requests = 0;
  const app = Fastify({ logger: false, genReqId: () => `req-${++requests}`, routerOptions: { ignoreTrailingSlash: true } });
  installErrorHandlers(app, ctx.serverId, log);
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'kfm serve', version: kfmVersion(), description: 'Read-only lineage API of a kfm project. Errors are {error_code, message, audit_ref}. Restricted datasets need `Authorization: Bearer <KFM_SERVE_TOKEN>`.' },
      components: {
        securitySchemes: { operator: { type: 'http', scheme: 'bearer' } },
        schemas: {
          Error: {
            type: 'object',
            required: ['error_code', 'message', 'audit_ref'],
            properties: { error_code: { type: 'string' }, message: { type: 'string' }, audit_ref: { type: 'string' } },
          },
        },
      },
    },
  });
  app.decorateRequest('operator', false);
  app.addHook('onRequest', async (request) => {
    request.operator = isOperator(request.headers.authorization, ctx.token);
  });
  app.get('/api/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  lineageRoutes(app, ctx);
  evidenceRoutes(app, ctx);
  tileRoutes(app, ctx);

  await app.register(fastifyStatic, { root: WEB_DIR, prefix: '/', index: ['index.html'], cacheControl: false, wildcard: false });
  const vendor = vendorFiles();
  app.get('/vendor/:file', { schema: { hide: true } }, async (request, reply) => {
    const path = vendor[(request.params as { file: string }).file];
    if (!path) return reply.callNotFound();
    return reply.sendFile(basename(path), dirname(path), { cacheControl: false });
  });
  return app;
}
