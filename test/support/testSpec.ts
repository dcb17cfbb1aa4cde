import type { DatasetSpec } from '../../api/index.js';

/** The smallest dataset spec analyze accepts, for engine tests. */
export function testSpec(slug: string): DatasetSpec {
  return {
    kfm_spec_version: 'v1',
    dataset_slug: slug,
    title: `Test dataset ${slug}`,
    upstream: {
      authority: 'test',
      access_method: 'file',
      endpoints: [],
      cadence: 'adhoc',
      terms_snapshot: { license: 'CC0-1.0' },
    },
    sensitivity: { policy_label_intent: 'public', pii_risk: 'none', sensitive_location_risk: 'none', obligations: [] },
    normalization: { canonical_fields: [], crs: 'EPSG:4326' },
    validation: { checks: [] },
    outputs: [],
  };
}
