import { KfmError } from '../../core/error.js';
import type { VersionTarget } from '../../engine/graph/versionTarget.js';
import { readRegistry, registryFile } from '../../store/registry/datasetRegistry.js';

/**
 * A target of `kfm receipts verify`, `kfm log` or `kfm status` must name a registered dataset
 * and, when it names a version, one the registry lists: an unknown one is a usage error
 * (exit 2), never an empty success. Reads (and so validates) the dataset's registry file.
 */
export function requireRegistered(root: string, target: VersionTarget): void {
  const registry = readRegistry(root, target.slug);
  if (!registry) {
    throw new KfmError('usage', `dataset "${target.slug}" is not registered (no ${registryFile(target.slug)}): build a version of it, or run kfm check --update`);
  }
  const ids = registry.versions.map((v) => v.dataset_version_id);
  const known = ids.length > 0 ? ids.join(', ') : 'none';
  if (target.datasetVersionId !== undefined && !ids.includes(target.datasetVersionId)) {
    throw new KfmError('usage', `${registryFile(target.slug)} has no version ${target.datasetVersionId} (versions: ${known})`);
  }
  if (target.slice !== undefined && !registry.versions.some((v) => v.slice === target.slice)) {
    throw new KfmError('usage', `${registryFile(target.slug)} has no version of slice ${target.slice} (versions: ${known})`);
  }
}
