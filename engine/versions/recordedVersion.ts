import type { RegistryVersion } from '../../store/registry/datasetRegistry.js';
import { registryFile } from '../../store/registry/datasetRegistry.js';
import type { VersionRecord } from '../../store/state.js';
import type { Digest } from '../../core/digest.js';
import { decideRerunMode, type RerunDecision, type VersionFacts } from './rerunMode.js';

/** What a registry entry does not hold: the outputs digest of a version only another checkout built. */
const UNKNOWN_OUTPUTS: Digest = `sha256:${'0'.repeat(64)}`;

/**
 * The versions of a slice a build decides against: the committed registry's, in its order
 * (the order they were created in), each the state's record when the state knows it, else
 * what the registry says of it (a version another checkout recorded: no spec document, raw
 * inputs or outputs digest); then any the state knows and the registry does not (a build
 * killed before its registry entry). Without a registry: the state's, as they are.
 */
export function sliceVersions(slug: string, slice: string, known: readonly VersionRecord[], recorded: readonly RegistryVersion[] | undefined): VersionRecord[] {
  if (!recorded) return [...known];
  const listed = recorded.filter((v) => v.slice === slice);
  const out: VersionRecord[] = listed.map(
    (v) =>
      known.find((k) => k.datasetVersionId === v.dataset_version_id) ?? {
        datasetVersionId: v.dataset_version_id,
        datasetSlug: slug,
        slice,
        specHash: v.spec_hash,
        inputsDigest: v.inputs_digest,
        outputsDigest: UNKNOWN_OUTPUTS,
        runId: '',
        createdAt: '',
        specDocument: null,
        taskCode: null,
        rawInputs: null,
        mode: v.mode,
        modeReason: null,
      },
  );
  for (const k of known) if (!listed.some((v) => v.dataset_version_id === k.datasetVersionId)) out.push(k);
  return out;
}

/**
 * The rerun decision (rerunMode.ts) against the state and the committed registry. A version
 * the registry lists with this build's spec_hash and inputs_digest that the state does not
 * know (another checkout recorded it: a clone's first build of it) is what this build
 * creates here, with its dvid and the mode that created it: a `reprocess` or `backfill` is
 * not re-recorded as `new`, and the registry is left as committed. Otherwise the decision
 * is made against the registry's versions too (sliceVersions), so a clone names a backfill
 * or a reprocess of what the registry records, never reusing a recorded dvid for other inputs.
 */
export function decideAgainstRegistry(facts: VersionFacts, known: readonly VersionRecord[], recorded: readonly RegistryVersion[] | undefined): { decision: RerunDecision; versions: VersionRecord[] } {
  const versions = sliceVersions(facts.slug, facts.slice, known, recorded);
  const r = recorded?.find(
    (v) => v.slice === facts.slice && v.spec_hash === facts.specHash && v.inputs_digest === facts.inputsDigest && !known.some((k) => k.datasetVersionId === v.dataset_version_id),
  );
  if (!r) return { decision: decideRerunMode(facts, versions), versions };
  return {
    decision: {
      mode: r.mode,
      datasetVersionId: r.dataset_version_id,
      reason: `${registryFile(facts.slug)} records ${r.dataset_version_id} (a ${r.mode}) with this spec and these raw inputs, recorded by another checkout`,
      basis: undefined,
      specChanges: [],
      inputChanges: [],
    },
    versions,
  };
}
