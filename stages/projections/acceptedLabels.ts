import { KfmError } from '../../core/error.js';
import type { PolicyLabel } from '../../core/policyLabel.js';
import type { ProjectedVersion } from './projectedVersion.js';

/** What a public target (one readers reach without an access decision) accepts. */
export const PUBLIC_LABELS: readonly PolicyLabel[] = ['public', 'public_generalized'];

/**
 * Refuses, before anything is written, a version whose policy label the target does not
 * accept: public targets never receive restricted data. A KfmError `check` (exit 1).
 */
export function refuseUnaccepted(target: { name: string; accepts: readonly PolicyLabel[] }, version: Pick<ProjectedVersion, 'dataset_slug' | 'dataset_version_id' | 'policy_label'>): void {
  if (target.accepts.includes(version.policy_label)) return;
  throw new KfmError(
    'check',
    `projection target ${target.name} accepts ${target.accepts.join(', ') || 'no label'}; ` +
      `${version.dataset_slug}@${version.dataset_version_id} is ${version.policy_label}: not loaded`,
  );
}
