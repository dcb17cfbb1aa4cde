/**
 * What `kfm init` writes: a kfmfile with one dataset (a file ingest and one transform), the
 * task's code, a small CSV to ingest, and the lines `.gitignore` needs. The spec carries
 * every field of kfm's dataset spec, filled with placeholders to edit. Fixed text: the
 * same project every time (no dates, no machine paths).
 */
export const STARTER_KFMFILE = `/**
 * A kfm project: one dataset, \`places\`, ingested from src/places.csv and turned into GeoJSON.
 * \`kfm build\` builds it (the version is places@2024.<spec hash>); \`kfm plan\` shows what
 * would run; \`kfm --help\` lists the rest. Edit the spec below: every field is kfm's.
 */
import { dataset, defineKfm, ingest, task } from 'kfm';
import type { DatasetSpec } from 'kfm';

const spec: DatasetSpec = {
  kfm_spec_version: 'v1',
  dataset_slug: 'places',
  title: 'Example places',
  description: 'A few named points, from a CSV file in this project (replace with your data).',
  upstream: {
    authority: 'Your organisation',
    access_method: 'file',
    endpoints: [{ name: 'places.csv', url: 'file:src/places.csv', parameters: {} }],
    cadence: 'on change',
    // The licence the promotion gates check against kfm.policy.json, and the attribution it asks for.
    terms_snapshot: { license: 'CC-BY-4.0', attribution: 'Example places (c) Your organisation, CC BY 4.0' },
  },
  sensitivity: {
    // One of: public, public_generalized, restricted, restricted_sensitive_location, internal, embargoed, quarantine.
    policy_label_intent: 'public',
    pii_risk: 'none',
    sensitive_location_risk: 'none',
    obligations: ['attribution'],
  },
  normalization: {
    canonical_fields: ['name'],
    units: { coordinates: 'degrees' },
    crs: 'EPSG:4326',
  },
  // QA thresholds (used by a QA task; see the kfm README "Tasks").
  validation: { checks: [{ name: 'feature_count', threshold: '>= 1' }] },
  outputs: [{ artifact_type: 'geojson', path: 'places.geojson' }],
};

export default defineKfm({
  datasets: [
    dataset(
      spec,
      [
        ingest('ingest', { source: 'file:src/places.csv', terms: spec.upstream.terms_snapshot }),
        task('transform', {
          run: './tasks/csvToGeojson.ts',
          deps: ['ingest'],
          params: { source: 'places.csv', output: 'places.geojson' },
        }),
      ],
      { slice: '2024' },
    ),
  ],
});
`;

export const STARTER_TASK = `import type { TaskContext } from 'kfm';
import { compareCodePoints } from 'kfm';

type Params = { source: string; output: string };

/**
 * Reads \`name,lon,lat\` rows from the ingest's output and writes them as a GeoJSON
 * FeatureCollection of points, sorted by name (the same bytes on every run).
 */
export default async function csvToGeojson(ctx: TaskContext<Params>): Promise<void> {
  const csv = await ctx.dep('ingest')[ctx.params.source]!.text();
  const [header, ...rows] = csv.trim().split(/\\r?\\n/);
  if (header !== 'name,lon,lat') throw new Error(\`\${ctx.params.source}: expected the header name,lon,lat, got \${header}\`);
  const features = rows
    .map((row, i) => {
      const [name, lon, lat] = row.split(',');
      const [x, y] = [Number(lon), Number(lat)];
      if (!name || !Number.isFinite(x) || !Number.isFinite(y)) throw new Error(\`\${ctx.params.source}:\${i + 2}: not name,lon,lat: \${row}\`);
      return { type: 'Feature' as const, properties: { name }, geometry: { type: 'Point' as const, coordinates: [x, y] } };
    })
    .sort((a, b) => compareCodePoints(a.properties.name, b.properties.name));
  await ctx.output(ctx.params.output, JSON.stringify({ type: 'FeatureCollection', features }, null, 2) + '\\n', 'application/geo+json');
}
`;

export const STARTER_CSV = `name,lon,lat
Topeka,-95.6890,39.0483
Wichita,-97.3375,37.6872
Lawrence,-95.2353,38.9717
`;

/** The lines kfm's working files need in `.gitignore` (appended when missing). */
export const GITIGNORE_LINES = ['.kfm/', 'data/', '/projections/', 'node_modules/'];

export const STARTER_FILES: Readonly<Record<string, string>> = {
  'kfmfile.ts': STARTER_KFMFILE,
  'tasks/csvToGeojson.ts': STARTER_TASK,
  'src/places.csv': STARTER_CSV,
};
