import type { RegistryVersion } from '../../store/registry/datasetRegistry.js';
import { registryFile } from '../../store/registry/datasetRegistry.js';
import type { VersionRecord } from '../../store/state.js';
import type { Digest } from '../../core/digest.js';
import type { RerunDecision } from './rerunMode.js';

/**
 * A build's rerun decision, given what the committed registry lists: when the registry has
 * a version of the slice with this build's spec_hash and inputs_digest that the state does
 * not know (another checkout recorded it: this is a clone's first build of it), the build
 * is that version, with its dvid and the mode that created it, rather than a `new` one
 * named from an empty state (a backfill's dvid differs from a new one's, and a reprocess
 * would be recorded as new). So building an already-recorded version on a fresh clone
 * names the same version and leaves the registry as committed. Otherwise the decision as it is.
 */
export function recordedVersion(
  decision: RerunDecision,
  facts: { slug: string; slice: string; specHash: Digest; inputsDigest: Digest },
  recorded: readonly RegistryVersion[] | undefined,
  known: readonly VersionRecord[],
): RerunDecision {
  if (decision.mode === 'retry' || !recorded) return decision;
  const r = recorded.find(
    (v) => v.slice === facts.slice && v.spec_hash === facts.specHash && v.inputs_digest === facts.inputsDigest && !known.some((k) => k.datasetVersionId === v.dataset_version_id),
  );
  if (!r || (r.dataset_version_id === decision.datasetVersionId && r.mode === decision.mode)) return decision;
  return {
    mode: r.mode,
    datasetVersionId: r.dataset_version_id,
    reason: `${registryFile(facts.slug)} records ${r.dataset_version_id} (a ${r.mode}) with this spec and these raw inputs, recorded by another checkout`,
    basis: undefined,
    specChanges: [],
    inputChanges: [],
  };
}
