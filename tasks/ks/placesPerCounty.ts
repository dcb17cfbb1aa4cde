import type { FeatureCollection, MultiPolygon, Point, Polygon } from 'geojson';
import type { TaskContext } from 'kfm';
import { bboxContainsPoint, geometryBbox } from '../geo/bbox.js';
import { pointInPolygon } from '../geo/pointInPolygon.js';
import { compareCodePoints } from 'kfm';
import { upstreamOutput } from '../upstreamOutput.js';
import type { CountyFeature, CountyProperties } from './countiesTransform.js';
import type { PlaceFeature } from './placesTransform.js';

export type PlacesPerCountyParams = {
  /** The node with the counties, e.g. `ks_counties/transform`, and its output. */
  counties: string;
  counties_output: string;
  /** The node with the places, e.g. `ks_places/transform`, and its output. */
  places: string;
  places_output: string;
  /** The output to write, e.g. `ks_places_per_county.geojson`. */
  output: string;
};

export type CountyPlacesProperties = CountyProperties & {
  place_count: number;
  /** Names of the places inside the county, sorted by code point. */
  places: string[];
};

export type UnmatchedPlace = {
  geonames_id: number;
  name: string;
  coordinates: number[];
};

export interface PlacesPerCountyResult {
  collection: FeatureCollection<Polygon | MultiPolygon, CountyPlacesProperties> & {
    license?: string;
    attribution?: string;
  };
  /** Places inside no county (e.g. just outside the state line at this resolution). */
  unmatched: UnmatchedPlace[];
  /** Places that more than one county contained; each is counted in the first by geoid. */
  multiMatched: number;
}

export const paramsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['counties', 'counties_output', 'places', 'places_output', 'output'],
  properties: {
    counties: { type: 'string', minLength: 1 },
    counties_output: { type: 'string', minLength: 1 },
    places: { type: 'string', minLength: 1 },
    places_output: { type: 'string', minLength: 1 },
    output: { type: 'string', minLength: 1 },
  },
};

/**
 * Counts the places inside each county (point in polygon, bbox prefilter). Every county is
 * kept, with `place_count` and the sorted `places` names added; places that fall in no
 * county are reported in the log and the node's meta, never dropped silently. The places'
 * licence and attribution carry over to the joined output.
 */
export default async function placesPerCounty(ctx: TaskContext<PlacesPerCountyParams>): Promise<void> {
  const p = ctx.params;
  const counties = await upstreamOutput(ctx, p.counties, p.counties_output).json<FeatureCollection>();
  const places = await upstreamOutput(ctx, p.places, p.places_output).json<FeatureCollection>();
  const { collection, unmatched, multiMatched } = joinPlacesToCounties(counties, places);
  const matched = collection.features.reduce((n, f) => n + f.properties.place_count, 0);
  ctx.setMeta({
    counties: collection.features.length,
    places: places.features.length,
    matched,
    unmatched: unmatched.length,
    multi_matched: multiMatched,
    unmatched_places: unmatched,
  });
  ctx.log.info(`${matched} of ${places.features.length} places matched a county; ${unmatched.length} unmatched`);
  for (const u of unmatched) {
    ctx.log.warn(`place ${u.geonames_id} ${u.name} at [${u.coordinates.join(', ')}] is in no county`);
  }
  if (multiMatched > 0) ctx.log.warn(`${multiMatched} places lay in more than one county; each counted once`);
  await ctx.output(p.output, `${JSON.stringify(collection)}\n`, 'application/geo+json');
}

export function joinPlacesToCounties(counties: FeatureCollection, places: FeatureCollection): PlacesPerCountyResult {
  const indexed = (counties.features as CountyFeature[]).map((county) => ({
    county,
    bbox: geometryBbox(county.geometry),
    names: [] as string[],
  }));
  indexed.sort((a, b) => compareCodePoints(a.county.properties.geoid, b.county.properties.geoid));
  const unmatched: UnmatchedPlace[] = [];
  let multiMatched = 0;
  for (const place of places.features as PlaceFeature[]) {
    const point = (place.geometry as Point | null)?.coordinates;
    const x = point?.[0];
    const y = point?.[1];
    const hits =
      point === undefined || x === undefined || y === undefined
        ? []
        : indexed.filter(
            (c) => c.bbox !== null && bboxContainsPoint(c.bbox, x, y) && pointInPolygon(point, c.county.geometry),
          );
    const first = hits[0];
    if (first === undefined) {
      unmatched.push({ geonames_id: place.properties.geonames_id, name: place.properties.name, coordinates: point ?? [] });
      continue;
    }
    if (hits.length > 1) multiMatched++;
    first.names.push(place.properties.name);
  }
  const features = indexed.map(({ county, names }) => ({
    type: 'Feature' as const,
    id: county.id,
    properties: {
      ...county.properties,
      place_count: names.length,
      places: names.sort(compareCodePoints),
    },
    geometry: county.geometry,
  }));
  const terms = places as { license?: unknown; attribution?: unknown };
  const collection: PlacesPerCountyResult['collection'] = {
    type: 'FeatureCollection',
    ...(typeof terms.license === 'string' ? { license: terms.license } : {}),
    ...(typeof terms.attribution === 'string' ? { attribution: terms.attribution } : {}),
    features,
  };
  return { collection, unmatched, multiMatched };
}
