import { canonicalDigest } from '../../core/canonicalJson.js';
import type { Digest } from '../../core/digest.js';
import type { ProjectedVersion } from './projectedVersion.js';
import { PROJECTION_VERSION } from './projectionVersion.js';

/**
 * What a load of a version is determined by: the version as projected (its record and its
 * artifacts' digests) and the projection format. A target that recorded the same digest
 * for the version holds it already: loading again is a no-op.
 */
export function loadDigest(version: ProjectedVersion): Digest {
  return canonicalDigest({ kfm_projection_version: PROJECTION_VERSION, version });
}
