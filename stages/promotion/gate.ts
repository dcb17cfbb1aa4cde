/** The promotion gates (CONTRACTS.md "Promotion gates (fail closed)"). */
export type GateId = 'A' | 'B' | 'C' | 'D' | 'E' | 'F' | 'G';
export const GATE_IDS: readonly GateId[] = ['A', 'B', 'C', 'D', 'E', 'F', 'G'];

export const GATE_NAMES: Record<GateId, string> = {
  A: 'identity',
  B: 'licence and rights',
  C: 'sensitivity',
  D: 'catalog triplet',
  E: 'receipts and checksums',
  F: 'QA thresholds',
  G: 'spec-hash drift',
};

/**
 * What a gate answers. `PASS`: its evidence is there, readable, and satisfies the rule.
 * `DENY`: its evidence is readable and breaks the rule (required evidence that is absent,
 * such as a receipt or an approval, is a breach). `ABSTAIN`: the gate has nothing to judge
 * yet (no policy file, no catalog generated, no QA checks declared): not evaluated, so not
 * a pass. `ERROR`: its evidence exists but cannot be read or parsed. Only PASS promotes.
 */
export type GateAnswer = 'PASS' | 'ABSTAIN' | 'DENY' | 'ERROR';
export const GATE_ANSWERS: readonly GateAnswer[] = ['PASS', 'ABSTAIN', 'DENY', 'ERROR'];

export interface GateResult {
  gate: GateId;
  name: string;
  answer: GateAnswer;
  /** Why, one sentence each; at least one. */
  reasons: string[];
}

const RANK: Record<GateAnswer, number> = { PASS: 0, ABSTAIN: 1, DENY: 2, ERROR: 3 };

/** The worst answer (ERROR > DENY > ABSTAIN > PASS); PASS for none. */
export function worstAnswer(answers: readonly GateAnswer[]): GateAnswer {
  return answers.reduce<GateAnswer>((worst, a) => (RANK[a] > RANK[worst] ? a : worst), 'PASS');
}

export function gateResult(gate: GateId, answer: GateAnswer, reasons: string[]): GateResult {
  return { gate, name: GATE_NAMES[gate], answer, reasons };
}
