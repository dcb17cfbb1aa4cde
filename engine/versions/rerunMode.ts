import type { VersionRecord } from '../../store/state.js';
import type { BuildRerunMode } from '../../core/buildRerunMode.js';
import { datasetVersionId } from '../../core/datasetVersionId.js';
import { describeRawInputChange, rawInputChanges, type RawInput, type RawInputChange } from './datasetRawInputs.js';
import type { Digest } from '../../core/digest.js';
import type { Json } from '../../core/json.js';
import { describeSpecChange, specChanges, type SpecChange } from './specChanges.js';
import type { TaskCode } from '../../core/spec.js';
import { shortDigest } from '../../core/shortDigest.js';

export interface RerunDecision {
  mode: BuildRerunMode;
  datasetVersionId: string;
  /** Why, in words: what changed and since which version. */
  reason: string;
  /** The version this build is (a retry) or is compared with (reprocess, backfill). */
  basis: VersionRecord | undefined;
  /** Reprocess: the spec fields and task entries that changed since the basis. */
  specChanges: SpecChange[];
  /** Backfill (and a reprocess that also sees new bytes): the raw inputs that changed since the basis. */
  inputChanges: RawInputChange[];
}

/** What a build found for a dataset's slice. */
export interface VersionFacts {
  slug: string;
  slice: string;
  specHash: Digest;
  document: Json;
  taskCode: TaskCode;
  inputsDigest: Digest;
  rawInputs: RawInput[];
}

/** At most this many changes are named in a reason; the rest are counted. */
const NAMED = 6;

/**
 * Decides the rerun mode and the dataset version id from the versions the slice already
 * has (oldest first). Pure: the same facts and versions give the same decision.
 */
export function decideRerunMode(facts: VersionFacts, versions: readonly VersionRecord[]): RerunDecision {
  const latest = versions[versions.length - 1];
  const same = versions.find((v) => v.specHash === facts.specHash && v.inputsDigest === facts.inputsDigest);
  if (same) {
    const which = same === latest ? '' : ` as ${same.datasetVersionId} (the slice's latest is ${latest!.datasetVersionId})`;
    return { mode: 'retry', datasetVersionId: same.datasetVersionId, reason: `same spec and raw inputs${which}`, basis: same, specChanges: [], inputChanges: [] };
  }
  if (!latest) {
    return {
      mode: 'new',
      datasetVersionId: datasetVersionId(facts.slice, facts.specHash),
      reason: `no version of ${facts.slug}@${facts.slice} yet`,
      basis: undefined,
      specChanges: [],
      inputChanges: [],
    };
  }
  const sameSpec = versions.filter((v) => v.specHash === facts.specHash);
  if (sameSpec.length > 0) {
    const basis = sameSpec[sameSpec.length - 1]!;
    const inputChanges = basis.rawInputs ? rawInputChanges(basis.rawInputs, facts.rawInputs) : [];
    const what =
      inputChanges.length > 0
        ? named(inputChanges.map(describeRawInputChange))
        : `inputs digest ${shortDigest(basis.inputsDigest)} → ${shortDigest(facts.inputsDigest)}`;
    return {
      mode: 'backfill',
      datasetVersionId: datasetVersionId(facts.slice, facts.specHash, facts.inputsDigest),
      reason: `raw inputs changed since ${basis.datasetVersionId} (same spec): ${what}`,
      basis,
      specChanges: [],
      inputChanges,
    };
  }
  const changes = latest.specDocument ? specChanges({ document: latest.specDocument, taskCode: latest.taskCode }, facts) : [];
  const inputChanges = latest.rawInputs ? rawInputChanges(latest.rawInputs, facts.rawInputs) : [];
  const what = changes.length > 0 ? `: ${named(changes.map(describeSpecChange))}` : ` (spec_hash ${shortDigest(latest.specHash)} → ${shortDigest(facts.specHash)})`;
  const bytes = inputChanges.length > 0 ? `; raw inputs changed too: ${named(inputChanges.map(describeRawInputChange))}` : '';
  return {
    mode: 'reprocess',
    datasetVersionId: datasetVersionId(facts.slice, facts.specHash),
    reason: `spec changed since ${latest.datasetVersionId}${what}${bytes}`,
    basis: latest,
    specChanges: changes,
    inputChanges,
  };
}

function named(items: string[]): string {
  if (items.length <= NAMED) return items.join(', ');
  return `${items.slice(0, NAMED).join(', ')} and ${items.length - NAMED} more`;
}
