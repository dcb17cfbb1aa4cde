/**
 * The built-in `generalize()` task through the real CLI: a sensitive-location point file
 * generalized to a grid and dissolved to admin units, what lands in data/processed, the
 * receipt's `generalization_method`, and a bad method located in the kfmfile (exit 2).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FeatureCollection } from 'geojson';
import { verifyGeneralized } from '../../core/generalization.js';
import { KFMFILE_HEADER, locate, useCliRigs } from '../support/cliRig.js';

const newRig = useCliRigs();

const SITES = {
  type: 'FeatureCollection',
  features: [
    { type: 'Feature', properties: { site: 'A-1', kind: 'burial' }, geometry: { type: 'Point', coordinates: [-97.2, 38.1] } },
    { type: 'Feature', properties: { site: 'A-2', kind: 'camp' }, geometry: { type: 'Point', coordinates: [-97.9, 38.7] } },
    { type: 'Feature', properties: { site: 'B-1', kind: 'camp' }, geometry: { type: 'Point', coordinates: [-96.1, 38.2] } },
  ],
};
const UNITS = {
  type: 'FeatureCollection',
  features: [
    { type: 'Feature', properties: { geoid: 'W' }, geometry: { type: 'Polygon', coordinates: [[[-98, 38], [-97, 38], [-97, 39], [-98, 39], [-98, 38]]] } },
    { type: 'Feature', properties: { geoid: 'E' }, geometry: { type: 'Polygon', coordinates: [[[-97, 38], [-96, 38], [-96, 39], [-97, 39], [-97, 38]]] } },
  ],
};

const kfmfile = (method: string) =>
  KFMFILE_HEADER.replace("import { defineKfm, dataset, task } from 'kfm';", "import { defineKfm, dataset, generalize, ingest } from 'kfm';") +
  `export default defineKfm({ datasets: [
  dataset(spec('sites'), [
    ingest('fetch', { source: 'file:src/sites.geojson' }),
    ingest('units', { source: 'file:src/units.geojson' }),
    generalize('grid', { artifact: 'fetch', output: 'sites.geojson', method: '${method}', write: 'sites_grid.geojson', properties: ['kind'] }),
    generalize('dissolve', { artifact: 'fetch', output: 'sites.geojson', method: 'dissolve_to_admin_unit', write: 'sites_by_unit.geojson', admin_units: { artifact: 'units', output: 'units.geojson', id_field: 'geoid' } }),
  ], { slice: '2020' }),
] });
`;

function receiptParameters(dir: string): Map<string, Record<string, unknown>> {
  return new Map(
    readdirSync(dir).map((f) => {
      const envelope = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { payload: string };
      const predicate = (JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as { predicate: { node: string; environment: { parameters: Record<string, unknown> } } }).predicate;
      return [predicate.node, predicate.environment.parameters];
    }),
  );
}

describe('generalize()', () => {
  it('writes the generalized GeoJSON, which verifies, and records the method in the receipt', async () => {
    const rig = newRig({ 'kfmfile.ts': kfmfile('grid_aggregation_3600'), 'src/sites.geojson': JSON.stringify(SITES), 'src/units.geojson': JSON.stringify(UNITS) });
    const { result, report } = await rig.buildJson();
    expect(result.code, result.stderr).toBe(0);
    const dvid = report.versions[0]!.dataset_version_id;
    const grid = JSON.parse(readFileSync(rig.path('data/processed/sites', dvid, 'sites_grid.geojson'), 'utf8')) as unknown;
    expect(grid).toEqual({
      type: 'FeatureCollection',
      features: [
        { type: 'Feature', properties: { kind: 'burial', count: 1 }, geometry: { type: 'Point', coordinates: [-97.5, 38.5] } },
        { type: 'Feature', properties: { kind: 'camp', count: 1 }, geometry: { type: 'Point', coordinates: [-97.5, 38.5] } },
        { type: 'Feature', properties: { kind: 'camp', count: 1 }, geometry: { type: 'Point', coordinates: [-96.5, 38.5] } },
      ],
    });
    expect(verifyGeneralized(grid, 'grid_aggregation_3600', { properties: ['kind'] })).toEqual([]);
    expect(verifyGeneralized(SITES, 'grid_aggregation_3600', { properties: ['kind'] })).not.toEqual([]);
    const byUnit = JSON.parse(readFileSync(rig.path('data/processed/sites', dvid, 'sites_by_unit.geojson'), 'utf8')) as { features: Array<{ properties: unknown }> };
    expect(byUnit.features.map((f) => f.properties)).toEqual([{ admin_unit: 'E', count: 1 }, { admin_unit: 'W', count: 2 }]);
    expect(verifyGeneralized(byUnit, 'dissolve_to_admin_unit', { adminUnits: UNITS as FeatureCollection, adminIdField: 'geoid' })).toEqual([]);
    const params = receiptParameters(rig.path('data/catalog/sites', dvid, 'receipts'));
    expect(params.get('sites/grid')).toEqual({
      artifact: 'fetch',
      output: 'sites.geojson',
      write: 'sites_grid.geojson',
      properties: ['kind'],
      generalization_method: 'grid_aggregation_3600',
    });
    expect(params.get('sites/dissolve')?.['generalization_method']).toBe('dissolve_to_admin_unit');
    // a rebuild runs nothing: the task is cached like any other
    const again = await rig.buildJson();
    expect(again.report.nodes.filter((n) => n.status === 'executed')).toEqual([]);
  });

  it('refuses an unknown method or a bad n at its declaration (exit 2)', async () => {
    for (const [method, message] of [
      ['blur', 'unknown generalization method "blur" (methods: centroid_only, grid_aggregation_<n>, bounding_box_only, dissolve_to_admin_unit)'],
      ['grid_aggregation_7', 'n is the grid cell size in arc-seconds, a positive integer that divides 648000'],
    ] as const) {
      const text = kfmfile(method);
      const rig = newRig({ 'kfmfile.ts': text, 'src/sites.geojson': JSON.stringify(SITES), 'src/units.geojson': JSON.stringify(UNITS) });
      const result = await rig.run(['build']);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(message);
      expect(result.stderr).toContain(`kfmfile.ts:${locate(text, "generalize('grid'")}`);
    }
  });
});
