import type { TaskContext } from 'kfm';
import type { Bbox } from '../geo/bbox.js';
import { upstreamOutput } from '../upstreamOutput.js';
import { describeFailures, KNOWN_CHECKS, validateFeatureCollection, type QaCheck } from './validateFeatureCollection.js';

export type QaParams = {
  /** The upstream node whose output is checked, e.g. `transform` or `ks_places/transform`. */
  artifact: string;
  /** The output of that node, e.g. `ks_counties.geojson`. */
  output: string;
  required_fields: string[];
  id_field: string;
  expected_count?: { min: number; max: number };
  bbox: Bbox;
  bbox_tolerance?: number;
  /** The spec's `validation.checks`. */
  checks: QaCheck[];
};

export const REPORT_NAME = 'qa/validation_report.json';

export const paramsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['artifact', 'output', 'required_fields', 'id_field', 'bbox', 'checks'],
  properties: {
    artifact: { type: 'string', minLength: 1 },
    output: { type: 'string', minLength: 1 },
    required_fields: { type: 'array', items: { type: 'string', minLength: 1 } },
    id_field: { type: 'string', minLength: 1 },
    expected_count: {
      type: 'object',
      additionalProperties: false,
      required: ['min', 'max'],
      properties: { min: { type: 'integer', minimum: 0 }, max: { type: 'integer', minimum: 0 } },
    },
    bbox: {
      type: 'array',
      items: { type: 'number' },
      minItems: 4,
      maxItems: 4,
      description: '[west, south, east, north] in degrees',
    },
    bbox_tolerance: { type: 'number', minimum: 0, description: 'degrees; default 1e-4' },
    checks: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'threshold'],
        properties: {
          name: { type: 'string', enum: [...KNOWN_CHECKS] },
          threshold: { type: ['string', 'number'] },
        },
      },
    },
  },
};

/**
 * Checks one GeoJSON output of an upstream node against the spec's QA thresholds and writes
 * `qa/validation_report.json`, whether the checks pass or fail. A failed check is not a
 * task failure: the result's meta says `status: 'fail'` with its `failed_checks`
 * (name, value, threshold), and the engine records the dataset version as `quarantined`
 * (core/failedCheck.ts). A task that cannot check at all (bad configuration, not GeoJSON)
 * still throws.
 */
export default async function qaTask(ctx: TaskContext<QaParams>): Promise<void> {
  const { artifact, output } = ctx.params;
  const subject = upstreamOutput(ctx, artifact, output);
  const node = artifact.includes('/') ? artifact : `${ctx.dataset}/${artifact}`;
  const report = validateFeatureCollection(await subject.json(), ctx.params);
  const document = {
    kfm_validation_report_version: report.kfm_validation_report_version,
    dataset_slug: ctx.dataset,
    status: report.status,
    subject: { node, output, digest: subject.digest },
    feature_count: report.feature_count,
    reports: report.reports,
  };
  await ctx.output(REPORT_NAME, `${JSON.stringify(document, null, 2)}\n`, 'application/json');
  const failed = report.reports.filter((r) => r.status === 'fail');
  ctx.setMeta({
    status: report.status,
    failed: failed.map((r) => r.name),
    failed_checks: failed.map((r) => ({ name: r.name, value: r.value, threshold: r.threshold })),
  });
  for (const r of report.reports) {
    const line = `${r.name} = ${r.value} (${r.threshold}): ${r.status}`;
    if (r.status === 'pass') ctx.log.info(line);
    else ctx.log.error(line);
  }
  if (report.status === 'fail') ctx.log.error(`QA failed for ${node} ${output}: ${describeFailures(report)}`);
}
