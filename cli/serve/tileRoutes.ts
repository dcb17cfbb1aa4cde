import type { FastifyInstance } from 'fastify';
import { existsSync } from 'node:fs';
import { badRequest, notFound } from './apiError.js';
import { visibleRegistry, type ServeContext } from './serveContext.js';
import { archivePaths, readTile, tileCoordinates } from './tileReader.js';

/** Vector tiles of each dataset's projected version: one tile (`.mvt`), or the whole PMTiles archive (range requests). */
export function tileRoutes(app: FastifyInstance, ctx: ServeContext): void {
  app.get(
    '/tiles/:slug/:z/:x/:tile',
    {
      schema: {
        tags: ['tiles'],
        summary: 'One MVT tile (gzip) of the dataset’s projected archive: /tiles/<slug>/<z>/<x>/<y>.mvt; 204 when the archive has no tile there',
        params: { type: 'object', properties: { slug: { type: 'string' }, z: { type: 'string' }, x: { type: 'string' }, tile: { type: 'string' } }, required: ['slug', 'z', 'x', 'tile'] },
      },
    },
    async (request, reply) => {
      const { slug, z, x, tile } = request.params as { slug: string; z: string; x: string; tile: string };
      const m = /^(.*)\.mvt$/.exec(tile);
      if (!m) throw badRequest(`tile ${z}/${x}/${tile}: the tile is <y>.mvt`, 'bad_tile');
      const c = tileCoordinates(z, x, m[1]!);
      visibleRegistry(ctx, slug, request.operator);
      const bytes = await readTile(ctx.tilesDir, slug, c.z, c.x, c.y);
      if (bytes === undefined) throw notFound(`no tiles for ${slug}: its projected archive (projections/tiles/${slug}.mbtiles or .pmtiles) does not exist`);
      if (bytes === 'absent') return reply.status(204).send();
      return reply.type('application/vnd.mapbox-vector-tile').header('content-encoding', 'gzip').send(bytes);
    },
  );

  app.get(
    '/tiles/:archive',
    {
      schema: {
        tags: ['tiles'],
        summary: 'The dataset’s projected PMTiles archive (/tiles/<slug>.pmtiles), with HTTP range requests, for the pmtiles protocol',
        params: { type: 'object', properties: { archive: { type: 'string' } }, required: ['archive'] },
      },
    },
    async (request, reply) => {
      const { archive } = request.params as { archive: string };
      const m = /^([a-z0-9_]+)\.pmtiles$/.exec(archive);
      if (!m) throw notFound(`no archive ${archive} (archives are /tiles/<slug>.pmtiles)`);
      visibleRegistry(ctx, m[1]!, request.operator);
      if (!existsSync(archivePaths(ctx.tilesDir, m[1]!).pmtiles)) throw notFound(`no PMTiles archive for ${m[1]!} (projections/tiles/${archive})`);
      return reply.sendFile(archive, ctx.tilesDir, { cacheControl: false });
    },
  );
}
