import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import config from '../../kfmfile.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

describe('kfmfile.ts', () => {
  const datasets = config.datasets;

  it('declares the three Kansas datasets with JSON-able v1 specs', () => {
    expect(datasets.map((d) => d.spec.dataset_slug)).toEqual(['ks_counties', 'ks_places', 'ks_places_per_county']);
    for (const { spec } of datasets) {
      expect(JSON.parse(JSON.stringify(spec))).toEqual(spec);
      expect(spec.kfm_spec_version).toBe('v1');
      expect(spec.normalization.crs).toBe('EPSG:4326');
      expect(spec.sensitivity.policy_label_intent).toBe('public');
      expect(spec.validation.checks.map((c) => c.name)).toEqual([
        'required_fields_present',
        'geometry_valid',
        'duplicate_rate',
        'feature_count',
        'bbox_inside',
      ]);
    }
  });

  it('feeds each QA task the thresholds and fields of its own spec', () => {
    for (const { spec, tasks } of datasets) {
      const qa = tasks.find((t) => t.name === 'qa')!;
      // Its run receipt is a `qa` receipt, carrying the QA report's results.
      expect(qa.operation).toBe('qa');
      expect(qa.params?.['checks']).toEqual(spec.validation.checks);
      expect(qa.params?.['required_fields']).toEqual(spec.normalization.canonical_fields);
      const geojson = spec.outputs.find((o) => o.artifact_type === 'geojson')!;
      expect(qa.params?.['output']).toBe(geojson.path);
      const producer = tasks.find((t) => t.name === qa.params?.['artifact'])!;
      expect(producer.params?.['output']).toBe(geojson.path);
    }
  });

  it('gives every task module params that its paramsSchema accepts', async () => {
    const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
    for (const { tasks } of datasets) {
      for (const t of tasks.filter((t) => t.run.startsWith('./'))) {
        const path = resolve(root, t.run);
        expect(existsSync(path), path).toBe(true);
        const mod = (await import(path)) as { default: unknown; paramsSchema: object };
        expect(typeof mod.default).toBe('function');
        const validate = ajv.compile(mod.paramsSchema);
        expect(validate(t.params), `${t.name}: ${ajv.errorsText(validate.errors)}`).toBe(true);
      }
    }
  });
});
