import { datasetVersionId } from '../../core/datasetVersionId.js';
import { SLICE_RE, SLUG_RE } from '../../core/spec.js';
import { gateResult, type GateResult } from './gate.js';
import type { PromotionEvidence } from './promotionEvidence.js';

const DVID_RE = /^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?\.[0-9a-f]{8}(\.[0-9a-f]{8})?$/;

/**
 * Gate A, identity: the slug and dvid are well formed, the dvid is the one its slice and
 * spec_hash (and, for a backfill, its inputs digest) derive, and that spec_hash is the one
 * the registry records for the dataset now. DENY on any mismatch; ERROR when the registry
 * entry carries no spec_hash to derive from; ABSTAIN for a slice of a form this kfm cannot
 * derive a dvid from (CONTRACTS allows other documented slice forms): not judged, not passed.
 */
export function gateIdentity(e: PromotionEvidence): GateResult {
  const { slug, dvid, version } = e;
  const deny: string[] = [];
  if (!SLUG_RE.test(slug)) deny.push(`dataset slug "${slug}" does not match ^[a-z0-9_]+$`);
  if (version.dataset_version_id !== dvid) deny.push(`the registry entry names ${version.dataset_version_id}, not ${dvid}`);
  if (typeof version.spec_hash !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(version.spec_hash)) {
    return gateResult('A', 'ERROR', [`the registry entry of ${dvid} has no readable spec_hash`]);
  }
  if (deny.length === 0 && !SLICE_RE.test(version.slice) && dvid.startsWith(`${version.slice}.`)) {
    return gateResult('A', 'ABSTAIN', [`slice "${version.slice}" is not of a form this kfm derives dataset version ids from (YYYY, YYYY-MM, YYYY-MM-DD)`]);
  }
  if (!DVID_RE.test(dvid)) deny.push(`dataset_version_id "${dvid}" is not <slice>.<spec8>[.<inputs8>]`);
  if (deny.length === 0) {
    const backfill = dvid.split('.').length === 3;
    const derived = datasetVersionId(version.slice, version.spec_hash, backfill ? version.inputs_digest : undefined);
    if (derived !== dvid) deny.push(`${dvid} is not derived from its slice and spec_hash ${version.spec_hash} (that gives ${derived})`);
  }
  if (version.spec_hash !== e.registry.spec_hash) {
    deny.push(`${dvid} was built from spec ${version.spec_hash.slice(0, 15)}…, but the registry's current spec is ${e.registry.spec_hash.slice(0, 15)}…: build the current spec and promote that version`);
  }
  if (deny.length > 0) return gateResult('A', 'DENY', deny);
  return gateResult('A', 'PASS', [`${slug}@${dvid} is derived from slice ${version.slice} and spec_hash ${version.spec_hash.slice(0, 15)}…`]);
}
