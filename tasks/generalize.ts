/**
 * `kfm:generalize`, the built-in generalization task: reads one GeoJSON output of an
 * upstream node, applies the `generalization_method` (core/generalization.ts), checks the
 * result with `verifyGeneralized` and writes it. See tasks/generalize/ for the parts.
 */
import type { FeatureCollection } from 'geojson';
import type { TaskContext } from 'kfm';
import { generalizeFeatureCollection, verifyGeneralized, type GeneralizationOptions } from '../core/generalization.js';
import { parseGeneralizationMethod } from '../core/generalizationMethod.js';
import { pointInPolygon } from './geo/pointInPolygon.js';
import type { GeneralizeParams } from './generalize/generalizeOptions.js';
import { upstreamOutput } from './upstreamOutput.js';

export { paramsSchema } from './generalize/generalizeParams.js';

export default async function generalizeTask(ctx: TaskContext<GeneralizeParams>): Promise<void> {
  const { artifact, output, generalization_method, write, properties, admin_units } = ctx.params;
  const method = parseGeneralizationMethod(generalization_method);
  const input = await upstreamOutput(ctx, artifact, output).json<FeatureCollection>();
  if (input === null || typeof input !== 'object' || input.type !== 'FeatureCollection' || !Array.isArray(input.features)) {
    throw new Error(`${artifact} ${output} is not a GeoJSON FeatureCollection`);
  }
  const options: GeneralizationOptions = properties === undefined ? {} : { properties };
  if (admin_units !== undefined) {
    options.adminUnits = await upstreamOutput(ctx, admin_units.artifact, admin_units.output).json<FeatureCollection>();
    options.adminIdField = admin_units.id_field;
    options.contains = pointInPolygon;
  }
  let generalized: FeatureCollection;
  try {
    generalized = generalizeFeatureCollection(input, method, options);
  } catch (e) {
    throw new Error(`${generalization_method} of ${artifact} ${output}: ${(e as Error).message}`);
  }
  const problems = verifyGeneralized(generalized, method, options);
  if (problems.length > 0) throw new Error(`${generalization_method} produced output that does not verify: ${problems.join('; ')}`);
  ctx.setMeta({ generalization_method, input_features: input.features.length, output_features: generalized.features.length });
  ctx.log.info(`${generalization_method}: ${input.features.length} features -> ${generalized.features.length}`);
  await ctx.output(write ?? output, `${JSON.stringify(generalized)}\n`, 'application/geo+json');
}
