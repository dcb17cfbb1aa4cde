import { describe, expect, it } from 'vitest';
import { formatThreshold, meetsThreshold, parseThreshold } from '../../tasks/qa/threshold.js';

const HINT = 'expected an operator (>=, <=, ==, >, <) and a number, e.g. ">= 0.999", optionally joined by "and"';

describe('parseThreshold', () => {
  it('parses the operators of the spec', () => {
    expect(parseThreshold('>= 0.999')).toEqual({ clauses: [{ op: '>=', value: 0.999 }] });
    expect(parseThreshold('<= 0.001')).toEqual({ clauses: [{ op: '<=', value: 0.001 }] });
    expect(parseThreshold('== 105')).toEqual({ clauses: [{ op: '==', value: 105 }] });
    expect(parseThreshold('>0')).toEqual({ clauses: [{ op: '>', value: 0 }] });
    expect(parseThreshold('  < -1.5e-3 ')).toEqual({ clauses: [{ op: '<', value: -0.0015 }] });
    expect(parseThreshold('>= .5')).toEqual({ clauses: [{ op: '>=', value: 0.5 }] });
  });

  it('reads a bare number as equality', () => {
    expect(parseThreshold(105)).toEqual({ clauses: [{ op: '==', value: 105 }] });
  });

  it('joins clauses with "and"', () => {
    expect(parseThreshold('>= 200 and <= 250')).toEqual({
      clauses: [
        { op: '>=', value: 200 },
        { op: '<=', value: 250 },
      ],
    });
  });

  it('rejects unknown operators and malformed numbers with a message that shows the input', () => {
    expect(() => parseThreshold('=> 0.9')).toThrow(`invalid threshold "=> 0.9": ${HINT}`);
    expect(() => parseThreshold('~ 1')).toThrow(`invalid threshold "~ 1": ${HINT}`);
    expect(() => parseThreshold('!= 1')).toThrow(`invalid threshold "!= 1": ${HINT}`);
    expect(() => parseThreshold('>= abc')).toThrow(`invalid threshold ">= abc": ${HINT}`);
    expect(() => parseThreshold('0.999')).toThrow(`invalid threshold "0.999": ${HINT}`);
    expect(() => parseThreshold('')).toThrow(`invalid threshold "": ${HINT}`);
    expect(() => parseThreshold('>= 1 or <= 2')).toThrow(`invalid threshold ">= 1 or <= 2": ${HINT}`);
    expect(() => parseThreshold(Number.NaN)).toThrow(`invalid threshold NaN: ${HINT}`);
  });
});

describe('meetsThreshold', () => {
  it('evaluates each operator at and around its limit', () => {
    const at = (t: string, v: number): boolean => meetsThreshold(parseThreshold(t), v);
    expect([at('>= 0.999', 0.999), at('>= 0.999', 0.9989), at('>= 0.999', 1)]).toEqual([true, false, true]);
    expect([at('<= 0.001', 0.001), at('<= 0.001', 0.0011), at('<= 0.001', 0)]).toEqual([true, false, true]);
    expect([at('== 105', 105), at('== 105', 104), at('== 105', 106)]).toEqual([true, false, false]);
    expect([at('> 0', 0), at('> 0', 1e-9)]).toEqual([false, true]);
    expect([at('< 1', 1), at('< 1', 0.99)]).toEqual([false, true]);
    expect([at('>= 200 and <= 250', 216), at('>= 200 and <= 250', 251)]).toEqual([true, false]);
  });

  it('never passes a non-finite value', () => {
    expect(meetsThreshold(parseThreshold('<= 1'), Number.NaN)).toBe(false);
    expect(meetsThreshold(parseThreshold('>= 1'), Infinity)).toBe(false);
  });
});

describe('formatThreshold', () => {
  it('writes the canonical form', () => {
    expect(formatThreshold(parseThreshold('>=0.999'))).toBe('>= 0.999');
    expect(formatThreshold(parseThreshold(105))).toBe('== 105');
    expect(formatThreshold(parseThreshold('>= 200  and  <= 250'))).toBe('>= 200 and <= 250');
  });
});
