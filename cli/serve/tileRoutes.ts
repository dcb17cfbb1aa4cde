import type { FastifyInstance } from 'fastify';
import { existsSync } from 'node:fs';
import { readProjectedVersion } from '../../stages/projections/readProjectedVersion.js';
import { badRequest, notFound } from './apiError.js';
import { visibleRegistry, type ServeContext } from './serveContext.js';
import { archivePaths, readTile, tileCoordinates } from './tileReader.js';

/**
 * Vector tiles of each dataset's projected version: one tile (`.mvt`), or the whole PMTiles
 * archive (range requests); and the live version's GeoJSON, the map's source while no tiles
 * are published.
 */
export function tileRoutes(app: FastifyInstance, ctx: ServeContext): void {
  app.get(
    '/api/v1/datasets/:slug/geojson',
    {
      schema: {
        tags: ['tiles'],
        summary: "The live version's first GeoJSON artifact, read from the content store by digest (verified): the map's source while the dataset has no published tiles",
        params: { type: 'object', properties: { slug: { type: 'string' } }, required: ['slug'] },
      },
    },
    async (request, reply) => {
      const { slug } = request.params as { slug: string };
      const registry = visibleRegistry(ctx, slug, request.operator);
      const store = ctx.store();
      if (registry.latest_version_id === null || !store) throw notFound(`${slug} has no live version: nothing promoted yet`);
      const version = await readProjectedVersion(ctx.paths, store, slug, registry.latest_version_id);
      const artifact = version.artifacts[0];
      if (!artifact) throw notFound(`${slug}@${version.dataset_version_id} has no GeoJSON artifact`);
      return reply.type('application/geo+json').header('x-kfm-artifact', artifact.digest).send(await store.get(artifact.digest));
    },
  );

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
