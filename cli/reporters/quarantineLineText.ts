import { describeFailedChecks } from '../../core/failedCheck.js';
import type { BuildEvent } from '../../engine/run/event.js';

/**
 * `quarantined ks_x@2017.abcd1234: QA failed: geometry_valid = 0.9 (>= 0.999)`; a retry of a
 * version already quarantined says so.
 */
export function quarantineLineText(e: Extract<BuildEvent, { type: 'dataset-quarantined' }>): string {
  const again = e.created ? '' : ' (again: a retry of a quarantined version)';
  return `quarantined ${e.dataset}@${e.datasetVersionId}${again}: ${describeFailedChecks(e.failedChecks)}`;
}
