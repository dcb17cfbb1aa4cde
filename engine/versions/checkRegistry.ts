import { readStoredRegistry, REGISTRY_VERSION, registryFile, writeRegistry, type DatasetRegistry, type StoredRegistry } from '../../store/registry/datasetRegistry.js';
import { currentSpecRecords } from './currentSpecRecords.js';
import type { Digest } from '../../core/digest.js';
import type { Graph } from '../graph/graph.js';
import { policyLabelOf } from '../../core/policyLabel.js';
import { specChanges, type SpecChange } from './specChanges.js';
import { compareCodePoints } from '../../core/compareCodePoints.js';
import type { SpecRecord } from './specRecord.js';

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
  /** `--update` rewrote a registry file of this older format as the current one. */
  upgraded_from?: 'v1';
}

/**
 * `kfm check`: recomputes every dataset's spec_hash from the kfmfile and its task code and
 * compares it with `registry/<slug>.json`. With `update`, records the current spec_hash,
 * spec document and task code of every drifted or unregistered dataset (versions, their
 * statuses and latest_version_id are kept; nothing is built), and rewrites a registry file
 * of an older format (v1) as v2.
 */
export async function checkRegistry(graph: Graph, options: { update?: boolean } = {}): Promise<DatasetCheck[]> {
  const records = await currentSpecRecords(graph);
  const out: DatasetCheck[] = [];
  for (const [slug, now] of records) {
    const stored = readStoredRegistry(graph.root, slug);
    const registry = stored?.registry;
    const status: DatasetCheck['status'] = !registry ? 'not_registered' : registry.spec_hash === now.specHash ? 'clean' : 'drifted';
    const changes = registry && status === 'drifted' ? specChanges({ document: registry.spec_document, taskCode: registry.task_code }, now) : [];
    const outdated = stored !== undefined && stored.format !== REGISTRY_VERSION;
    const write = options.update === true && (status !== 'clean' || outdated);
    if (write) writeRegistry(graph.root, status === 'clean' ? registry! : withSpec(graph, slug, now, stored));
    out.push({
      dataset_slug: slug,
      status,
      registry: registryFile(slug),
      spec_hash: now.specHash,
      registered_spec_hash: registry?.spec_hash ?? null,
      changes,
      updated: write && status !== 'clean',
      ...(write && outdated ? { upgraded_from: stored.format as 'v1' } : {}),
    });
  }
  return out.sort((a, b) => compareCodePoints(a.dataset_slug, b.dataset_slug));
}

/** The registry recording the dataset's current spec, with the versions it had. */
function withSpec(graph: Graph, slug: string, now: SpecRecord, stored: StoredRegistry | undefined): DatasetRegistry {
  const spec = graph.datasets.get(slug)!.spec;
  return {
    kfm_registry_version: REGISTRY_VERSION,
    dataset_slug: slug,
    title: typeof spec.title === 'string' ? spec.title : slug,
    policy_label: policyLabelOf(spec),
    spec_hash: now.specHash,
    spec_document: now.document,
    task_code: now.taskCode,
    versions: stored?.registry.versions ?? [],
    latest_version_id: stored?.registry.latest_version_id ?? null,
  };
}
