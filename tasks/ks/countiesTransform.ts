import type { Feature, FeatureCollection, MultiPolygon, Polygon } from 'geojson';
import type { TaskContext } from 'kfm';
import { feature } from 'topojson-client';
import type { Topology } from 'topojson-specification';
import { compareCodePoints } from 'kfm';
import { upstreamOutput } from '../upstreamOutput.js';

export type CountiesParams = {
  /** The ingest output holding the us-atlas TopoJSON, e.g. `counties-10m.json`. */
  source: string;
  /** The topology object with the counties, e.g. `counties`. */
  object: string;
  /** Two-digit state FIPS code, e.g. `20` for Kansas. */
  state_fips: string;
  /** The output to write, e.g. `ks_counties.geojson` (the spec's `outputs[].path`). */
  output: string;
};

export interface CountyProperties {
  geoid: string;
  name: string;
  state_fips: string;
  county_fips: string;
}

export type CountyFeature = Feature<Polygon | MultiPolygon, CountyProperties>;

export const paramsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['source', 'object', 'state_fips', 'output'],
  properties: {
    source: { type: 'string', minLength: 1 },
    object: { type: 'string', minLength: 1 },
    state_fips: { type: 'string', pattern: '^[0-9]{2}$' },
    output: { type: 'string', minLength: 1 },
  },
};

/**
 * The counties of one state from a us-atlas TopoJSON, as GeoJSON with the canonical fields
 * `geoid`, `name`, `state_fips`, `county_fips`, sorted by geoid. Coordinates are those that
 * topojson-client decodes, unrounded.
 */
export default async function countiesTransform(ctx: TaskContext<CountiesParams>): Promise<void> {
  const { source, object, state_fips, output } = ctx.params;
  const topology = await upstreamOutput(ctx, 'ingest', source).json<Topology>();
  const collection = countiesOfState(topology, object, state_fips);
  ctx.setMeta({ feature_count: collection.features.length });
  ctx.log.info(`${collection.features.length} counties with state FIPS ${state_fips}`);
  await ctx.output(output, `${JSON.stringify(collection)}\n`, 'application/geo+json');
}

export function countiesOfState(
  topology: Topology,
  objectName: string,
  stateFips: string,
): FeatureCollection<Polygon | MultiPolygon, CountyProperties> {
  const object = topology.objects[objectName];
  if (object === undefined) {
    throw new Error(`the topology has no object "${objectName}"; it has: ${Object.keys(topology.objects).sort().join(', ')}`);
  }
  const decoded = feature(topology, object);
  const all = decoded.type === 'FeatureCollection' ? decoded.features : [decoded];
  const counties: CountyFeature[] = [];
  for (const f of all) {
    const geoid = f.id;
    if (typeof geoid !== 'string' || !geoid.startsWith(stateFips)) continue;
    if (!/^[0-9]{5}$/.test(geoid)) throw new Error(`county id ${JSON.stringify(geoid)} is not a 5-digit FIPS code`);
    const geometry = f.geometry;
    if (geometry === null || (geometry.type !== 'Polygon' && geometry.type !== 'MultiPolygon')) {
      throw new Error(`county ${geoid} has no polygon geometry`);
    }
    const name: unknown = f.properties?.['name'];
    if (typeof name !== 'string') throw new Error(`county ${geoid} has no name`);
    counties.push({
      type: 'Feature',
      id: geoid,
      properties: { geoid, name, state_fips: geoid.slice(0, 2), county_fips: geoid.slice(2) },
      geometry,
    });
  }
  counties.sort((a, b) => compareCodePoints(a.properties.geoid, b.properties.geoid));
  return { type: 'FeatureCollection', features: counties };
}
