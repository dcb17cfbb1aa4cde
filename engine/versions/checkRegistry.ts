import { readRegistry, registryFile, writeRegistry, type DatasetRegistry } from '../../store/registry/datasetRegistry.js';
import { currentSpecRecords } from './currentSpecRecords.js';
import type { Digest } from '../../core/digest.js';
import type { Graph } from '../graph/graph.js';
import { policyLabelOf } from '../../core/policyLabel.js';
import { specChanges, type SpecChange } from './specChanges.js';
import { compareCodePoints } from '../../core/compareCodePoints.js';

/** The format of `kfm check --json` (schemas/check-report.schema.json). */
export const CHECK_REPORT_VERSION = 'v1';

/** One dataset of `kfm check`: its spec_hash now against the registry's. */
export interface DatasetCheck {
  dataset_slug: string;
  /** `clean`: the registry records this spec_hash; `drifted`: another one; `not_registered`: no registry file. */
  status: 'clean' | 'drifted' | 'not_registered';
  /** `registry/<slug>.json`. */
  registry: string;
  spec_hash: Digest;
  registered_spec_hash: Digest | null;
  /** For a drifted dataset: the JSON pointers into the spec-hash document that changed. */
  changes: SpecChange[];
  /** `--update` recorded the current spec in the registry. */
  updated: boolean;
}

/**
 * `kfm check`: recomputes every dataset's spec_hash from the kfmfile and its task code and
 * compares it with `registry/<slug>.json`. With `update`, records the current spec_hash,
 * spec document and task code of every drifted or unregistered dataset (versions and
 * latest_version_id are kept; nothing is built).
 */
export async function checkRegistry(graph: Graph, options: { update?: boolean } = {}): Promise<DatasetCheck[]> {
  const records = await currentSpecRecords(graph);
  const out: DatasetCheck[] = [];
  for (const [slug, now] of records) {
    const registry = readRegistry(graph.root, slug);
    const status: DatasetCheck['status'] = !registry ? 'not_registered' : registry.spec_hash === now.specHash ? 'clean' : 'drifted';
    const changes = registry && status === 'drifted' ? specChanges({ document: registry.spec_document, taskCode: registry.task_code }, now) : [];
    let updated = false;
    if (options.update && status !== 'clean') {
      const spec = graph.datasets.get(slug)!.spec;
      const next: DatasetRegistry = {
        kfm_registry_version: 'v1',
        dataset_slug: slug,
        title: typeof spec.title === 'string' ? spec.title : slug,
        policy_label: policyLabelOf(spec),
        spec_hash: now.specHash,
        spec_document: now.document,
        task_code: now.taskCode,
        versions: registry?.versions ?? [],
        latest_version_id: registry?.latest_version_id ?? null,
      };
      writeRegistry(graph.root, next);
      updated = true;
    }
    out.push({
      dataset_slug: slug,
      status,
      registry: registryFile(slug),
      spec_hash: now.specHash,
      registered_spec_hash: registry?.spec_hash ?? null,
      changes,
      updated,
    });
  }
  return out.sort((a, b) => compareCodePoints(a.dataset_slug, b.dataset_slug));
}
