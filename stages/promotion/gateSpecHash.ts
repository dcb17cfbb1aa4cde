import { gateResult, type GateResult } from './gate.js';
import type { PromotionEvidence } from './promotionEvidence.js';

/**
 * Gate G, spec-hash drift: the spec_hash computed now from the kfmfile and task code equals
 * the registry's and the version's (kfm check). ABSTAIN when the kfmfile no longer declares
 * the dataset; ERROR when the kfmfile cannot be loaded; DENY on drift.
 */
export function gateSpecHash(e: PromotionEvidence): GateResult {
  const now = e.current_spec_hash;
  if (now.status === 'missing') return gateResult('G', 'ABSTAIN', [now.message]);
  if (now.status === 'error') return gateResult('G', 'ERROR', [now.message]);
  const deny: string[] = [];
  if (e.registry.spec_hash !== now.value) deny.push(`the registry records spec_hash ${e.registry.spec_hash}, but the kfmfile gives ${now.value} now: run kfm check`);
  if (e.version.spec_hash !== now.value) deny.push(`${e.dvid} was built from spec_hash ${e.version.spec_hash}, but the kfmfile gives ${now.value} now`);
  if (deny.length > 0) return gateResult('G', 'DENY', deny);
  return gateResult('G', 'PASS', [`spec_hash ${now.value.slice(0, 15)}… computed now equals the registry's`]);
}
