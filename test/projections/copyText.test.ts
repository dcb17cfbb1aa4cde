/** COPY text escaping (what the PostGIS target streams). */
import { describe, expect, it } from 'vitest';
import { copyField, copyLine } from '../../stages/projections/postgis/copyText.js';

describe('COPY text', () => {
  it('escapes backslash, tab, newline and carriage return, and writes null as \\N', () => {
    expect(copyField(null)).toBe('\\N');
    expect(copyField('a\tb\nc\\d\re')).toBe('a\\tb\\nc\\\\d\\re');
    expect(copyField('Wichita')).toBe('Wichita');
    expect(copyLine(['x', 1, null])).toBe('x\t1\t\\N\n');
  });
});
