export type ThresholdOperator = '>=' | '<=' | '==' | '>' | '<';

export interface ThresholdClause {
  op: ThresholdOperator;
  value: number;
}

/** A parsed QA threshold: every clause must hold. */
export interface Threshold {
  clauses: ThresholdClause[];
}

const CLAUSE_RE = /^(>=|<=|==|>|<)\s*(-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)$/;

/**
 * Parses a threshold as a spec's `validation.checks` writes it: `">= 0.999"`, `"<= 0.001"`,
 * `"== 105"`, or clauses joined by `and` (`">= 200 and <= 250"`). A bare number means `==`.
 */
export function parseThreshold(input: string | number): Threshold {
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) throw thresholdError(String(input));
    return { clauses: [{ op: '==', value: input }] };
  }
  const parts = input.trim().split(/\s+and\s+/);
  const clauses: ThresholdClause[] = [];
  for (const part of parts) {
    const m = CLAUSE_RE.exec(part.trim());
    if (!m) throw thresholdError(JSON.stringify(input));
    clauses.push({ op: m[1] as ThresholdOperator, value: Number(m[2]) });
  }
  return { clauses };
}

export function meetsThreshold(threshold: Threshold, value: number): boolean {
  if (!Number.isFinite(value)) return false;
  return threshold.clauses.every(({ op, value: limit }) => {
    switch (op) {
      case '>=':
        return value >= limit;
      case '<=':
        return value <= limit;
      case '==':
        return value === limit;
      case '>':
        return value > limit;
      case '<':
        return value < limit;
    }
  });
}

/** The canonical text of a threshold: `>= 0.999`, `>= 200 and <= 250`. */
export function formatThreshold(threshold: Threshold): string {
  return threshold.clauses.map(({ op, value }) => `${op} ${value}`).join(' and ');
}

function thresholdError(shown: string): Error {
  return new Error(
    `invalid threshold ${shown}: expected an operator (>=, <=, ==, >, <) and a number, e.g. ">= 0.999", optionally joined by "and"`,
  );
}
