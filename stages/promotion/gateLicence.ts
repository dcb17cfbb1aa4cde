import { gateResult, type GateResult } from './gate.js';
import type { PromotionEvidence } from './promotionEvidence.js';
import { licenceRule, POLICY_FILE } from './promotionPolicy.js';

/**
 * Gate B, licence and rights: the spec's `upstream.terms_snapshot.license` is on the
 * policy's allow-list (by SPDX id or a listed name), and when that licence asks for
 * attribution the spec carries the attribution text and the `attribution` obligation.
 * ABSTAIN without a policy file (nothing to decide against); ERROR when the policy or the
 * spec cannot be read; DENY for a missing, unclear or unlisted licence: unclear rights keep
 * the version unpublished.
 */
export function gateLicence(e: PromotionEvidence): GateResult {
  if (e.policy.status === 'missing') return gateResult('B', 'ABSTAIN', [`no ${POLICY_FILE} at the project root: no licence allow-list to decide against`]);
  if (e.policy.status === 'error') return gateResult('B', 'ERROR', [e.policy.message]);
  if (e.spec.status !== 'ok') return gateResult('B', 'ERROR', [`the spec ${e.dvid} was built from cannot be read: ${e.spec.message}`]);
  const terms = e.spec.value.upstream?.terms_snapshot;
  const licence = typeof terms?.license === 'string' ? terms.license.trim() : '';
  if (licence === '') return gateResult('B', 'DENY', ['the spec names no licence (upstream.terms_snapshot.license): rights unclear']);
  const rule = licenceRule(e.policy.policy, licence);
  if (!rule) {
    const allowed = e.policy.policy.licences.map((l) => l.id).join(', ') || 'none';
    return gateResult('B', 'DENY', [`licence "${licence}" is not on the allow-list of ${POLICY_FILE} (${allowed}): rights unclear`]);
  }
  if (!rule.requires_attribution) return gateResult('B', 'PASS', [`licence ${rule.id} is allowed and asks for no attribution`]);
  const deny: string[] = [];
  const attribution = typeof terms?.attribution === 'string' ? terms.attribution.trim() : '';
  if (attribution === '') deny.push(`licence ${rule.id} requires attribution, but the spec has no upstream.terms_snapshot.attribution`);
  const obligations = e.spec.value.sensitivity?.obligations ?? [];
  if (!obligations.includes('attribution')) deny.push(`licence ${rule.id} requires attribution, but sensitivity.obligations does not list "attribution"`);
  if (deny.length > 0) return gateResult('B', 'DENY', deny);
  return gateResult('B', 'PASS', [`licence ${rule.id} is allowed; attribution captured: "${attribution.length > 60 ? `${attribution.slice(0, 57)}...` : attribution}"`]);
}
