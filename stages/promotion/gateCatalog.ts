import { gateResult, type GateResult } from './gate.js';
import type { PromotionEvidence } from './promotionEvidence.js';

/**
 * Gate D, catalog triplet: the version's DCAT, STAC and PROV records exist under
 * data/catalog/<slug>/<dvid>/, validate against kfm's profiles (JSON Schema and SHACL), and
 * every cross-link and digest between them resolves (stages/catalog/checkCatalog.ts).
 * ABSTAIN when no catalog has been generated for the version (run kfm catalog); ERROR when
 * checking it failed; DENY for every problem found.
 */
export function gateCatalog(e: PromotionEvidence): GateResult {
  const c = e.catalog;
  if (c.status === 'missing') return gateResult('D', 'ABSTAIN', [c.message]);
  if (c.status === 'error') return gateResult('D', 'ERROR', [c.message]);
  const { files, problems } = c.value;
  if (problems.length > 0) return gateResult('D', 'DENY', problems.map((p) => `${p.file}: ${p.check}: ${p.message}`));
  if (files.length === 0) return gateResult('D', 'DENY', ['the catalog check found no catalog files']);
  return gateResult('D', 'PASS', [`${files.length} catalog files valid (DCAT, STAC, PROV); every link resolves`]);
}
