import type { Json } from '../../core/json.js';
import type { DatasetSpec } from '../../core/spec.js';
import type { ProjectPaths } from '../../engine/load/projectPaths.js';
import { openVersionStore } from '../../engine/load/openSeams.js';
import type { DatasetRegistry, RegistryVersion } from '../../store/registry/datasetRegistry.js';

/** The spec the version was built from: the registry's when the spec_hash is the same, else the state's record of it. */
export async function versionSpec(paths: ProjectPaths, registry: DatasetRegistry, version: RegistryVersion): Promise<DatasetSpec | undefined> {
  let document: Json | null = registry.spec_hash === version.spec_hash ? registry.spec_document : null;
  if (document === null) {
    const versions = openVersionStore(paths);
    try {
      document = (await versions.version(registry.dataset_slug, version.dataset_version_id))?.specDocument ?? null;
    } finally {
      await versions.close();
    }
  }
  const spec = typeof document === 'object' && document !== null && !Array.isArray(document) ? document.spec : undefined;
  return typeof spec === 'object' && spec !== null && !Array.isArray(spec) ? (spec as unknown as DatasetSpec) : undefined;
}

