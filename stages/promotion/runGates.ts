import { worstAnswer, type GateAnswer, type GateResult } from './gate.js';
import { gateCatalog } from './gateCatalog.js';
import { gateIdentity } from './gateIdentity.js';
import { gateLicence } from './gateLicence.js';
import { gateQa } from './gateQa.js';
import { gateReceipts } from './gateReceipts.js';
import { gateSensitivity } from './gateSensitivity.js';
import { gateSpecHash } from './gateSpecHash.js';
import type { PromotionEvidence } from './promotionEvidence.js';

export interface GateDecision {
  gates: GateResult[];
  /** The worst answer: only PASS promotes. */
  overall: GateAnswer;
}

/** Gates A–G over one evidence record, in order; pure. */
export function runGates(e: PromotionEvidence): GateDecision {
  const gates = [gateIdentity, gateLicence, gateSensitivity, gateCatalog, gateReceipts, gateQa, gateSpecHash].map((g) => g(e));
  return { gates, overall: worstAnswer(gates.map((g) => g.answer)) };
}
