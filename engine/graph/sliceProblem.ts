import { SLICE_RE } from '../../core/spec.js';

/**
 * Why `slice` is not a slice, or undefined when it is one: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`
 * naming a real calendar year, month or day (no month 13, no 31 June, 29 February only in
 * leap years).
 */
export function sliceProblem(slice: unknown): string | undefined {
  if (typeof slice !== 'string' || !SLICE_RE.test(slice)) return 'a slice must be YYYY, YYYY-MM or YYYY-MM-DD';
  const [y, m, d] = slice.split('-').map(Number) as [number, number | undefined, number | undefined];
  if (m !== undefined && (m < 1 || m > 12)) return `month ${String(m).padStart(2, '0')} does not exist`;
  if (d !== undefined && m !== undefined) {
    const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
    const days = m === 2 ? (leap ? 29 : 28) : [4, 6, 9, 11].includes(m) ? 30 : 31;
    if (d < 1 || d > days) return `day ${String(d).padStart(2, '0')} does not exist in ${y}-${String(m).padStart(2, '0')} (it has ${days} days)`;
  }
  return undefined;
}
