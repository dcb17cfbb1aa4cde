/**
 * swc's syntax-error report, as a located kfmfile error: swc draws it in ASCII into a pipe
 * and in colour with Unicode box drawing when stderr is a terminal (watch mode's usual
 * place); both give the same location. Messages captured from @swc/core (stack trimmed).
 */
import { describe, expect, it } from 'vitest';
import { kfmfileError } from '../../engine/load/loadKfmfile.js';

const ASCII = "  x Expression expected\n   ,-[/p/kfmfile.ts:2:1]\n 1 | const a = 1;\n 2 | export const x = ;\n   :                  ^\n   `----\n\n\nCaused by:\n    Syntax Error\n";
const TERMINAL =
  '  \u001b[31m×\u001b[0m Expression expected\n   ╭─[\u001b[36;1;4m/p/kfmfile.ts:2:1\u001b[0m]\n \u001b[2m1\u001b[0m │ const a = 1;\n \u001b[2m2\u001b[0m │ export const x = ;\n   · \u001b[35;1m                 ─\u001b[0m\n   ╰────\n\n\nCaused by:\n    Syntax Error\n';

describe('a kfmfile swc cannot parse', () => {
  it.each([
    ['into a pipe', ASCII],
    ['on a terminal', TERMINAL],
  ])('is located at the offending token (%s)', (_where, message) => {
    const e = kfmfileError(new Error(message), '/p/kfmfile.ts');
    expect({ message: e.message, location: e.location }).toEqual({
      message: 'syntax error: Expression expected',
      location: { file: '/p/kfmfile.ts', line: 2, column: 18 },
    });
  });
});
