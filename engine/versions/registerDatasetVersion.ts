import { REGISTRY_VERSION, writeRegistry, type DatasetRegistry, type RegistryVersion } from '../../store/registry/datasetRegistry.js';
import { canonicalJson } from '../../core/canonicalJson.js';
import { policyLabelOf } from '../../core/policyLabel.js';
import type { Graph } from '../graph/graph.js';
import type { NamedVersion } from './nameDatasetVersion.js';

/**
 * The registry after a build named a version (pure): the spec it built, and a `candidate`
 * (or, when its QA failed, `quarantined` with its failed checks) entry for the version when the registry does not list it yet: the build created it, or a
 * retry completes what a build killed after recording the version in the state (before its
 * registry entry) left, with the mode that created it. latest_version_id is kept as it was:
 * a build never publishes (only `kfm promote` moves it).
 */
export function registryAfterBuild(before: DatasetRegistry | undefined, graph: Graph, named: NamedVersion): DatasetRegistry {
  const ds = graph.datasets.get(named.slug)!;
  const versions = [...(before?.versions ?? [])];
  const mode = creatingMode(named);
  if (!versions.some((v) => v.dataset_version_id === named.datasetVersionId)) {
    versions.push({
      dataset_version_id: named.datasetVersionId,
      slice: named.slice,
      spec_hash: named.spec.specHash,
      inputs_digest: named.inputsDigest,
      mode,
      // No created_at: the registry is committed, and a wall-clock time would make every
      // clone's build of a recorded version rewrite it. The ledger has the time.
      status: named.qa.quarantined ? 'quarantined' : 'candidate',
      ...(named.qa.quarantined ? { failed_checks: named.qa.failedChecks } : {}),
    });
  }
  return {
    kfm_registry_version: REGISTRY_VERSION,
    dataset_slug: named.slug,
    title: typeof ds.spec.title === 'string' ? ds.spec.title : named.slug,
    policy_label: policyLabelOf(ds.spec),
    spec_hash: named.spec.specHash,
    spec_document: named.spec.document,
    task_code: named.spec.taskCode,
    versions,
    latest_version_id: before?.latest_version_id ?? null,
  };
}

/** The mode that created the named version: this build's, or for a retry the recorded version's ('new' if it has none). */
function creatingMode(named: NamedVersion): RegistryVersion['mode'] {
  const mode = named.decision.mode === 'retry' ? named.decision.basis?.mode : named.decision.mode;
  return mode === 'reprocess' || mode === 'backfill' ? mode : 'new';
}

/**
 * Writes `registry/<slug>.json` after a build named a version; a registry that would not
 * change (a retry) is left as it was, not even rewritten (a v1 file then stays v1).
 */
export function registerDatasetVersion(projectRoot: string, before: DatasetRegistry | undefined, graph: Graph, named: NamedVersion): void {
  const next = registryAfterBuild(before, graph, named);
  if (!before || canonicalJson(before) !== canonicalJson(next)) writeRegistry(projectRoot, next);
}
