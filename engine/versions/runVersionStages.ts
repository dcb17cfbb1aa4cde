import type { VersionStageArgs, VersionStageOutcome } from './versionStage.js';
import type { VersioningContext } from './versioningContext.js';

/** A version stage's outcome as a build reports it (BuildSummary.versions[].stages). */
export interface VersionStageSummary extends VersionStageOutcome {
  stage: string;
}

/**
 * Runs the build's version stages (VersioningContext.stages: the catalog) on a version whose
 * receipts are recorded, in order, each reported as a `version-stage` event. A stage's
 * KfmError propagates: the version stays recorded, the build fails naming it.
 */
export async function runVersionStages(
  ctx: VersioningContext,
  args: Omit<VersionStageArgs, 'receipts' | 'actor' | 'environment' | 'projectRoot' | 'kfmDir'>,
): Promise<VersionStageSummary[]> {
  const out: VersionStageSummary[] = [];
  for (const stage of ctx.stages ?? []) {
    if (stage.applies && !stage.applies(args.graph)) continue;
    ctx.pinTrust();
    const outcome = await stage.run({ ...args, projectRoot: ctx.projectRoot, kfmDir: ctx.kfmDir, receipts: ctx.receipts, actor: ctx.actor, environment: ctx.environment });
    ctx.onEvent({
      type: 'version-stage',
      stage: stage.name,
      dataset: args.slug,
      datasetVersionId: args.datasetVersionId,
      status: outcome.status,
      reason: outcome.reason,
      files: outcome.paths.length,
      receipt: outcome.receipt,
      problems: outcome.problems,
    });
    out.push({ stage: stage.name, ...outcome });
  }
  return out;
}
