import type { VersionStore } from '../../store/state.js';
import type { NamedVersion } from './nameDatasetVersion.js';

/**
 * Records a version this build created in the state database (what the next build's rerun
 * decision compares with); a retry records nothing. A version is never updated.
 */
export async function recordDatasetVersion(state: Pick<VersionStore, 'putVersion'>, named: NamedVersion, build: { runId: string; now: string }): Promise<void> {
  if (!named.created) return;
  await state.putVersion({
    datasetVersionId: named.datasetVersionId,
    datasetSlug: named.slug,
    slice: named.slice,
    specHash: named.spec.specHash,
    inputsDigest: named.inputsDigest,
    outputsDigest: named.outputsDigest,
    runId: build.runId,
    createdAt: build.now,
    specDocument: named.spec.document,
    taskCode: named.spec.taskCode,
    rawInputs: named.rawInputs,
    mode: named.decision.mode,
    modeReason: named.decision.reason,
    failedChecks: named.qa.quarantined ? named.qa.failedChecks : null,
  });
}
