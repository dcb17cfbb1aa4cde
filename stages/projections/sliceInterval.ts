/**
 * The period a slice names, as ISO 8601 dates: `2017` → 2017-01-01 … 2017-12-31,
 * `2017-06` → the month, `2017-06-30` → the day. Anything else: null.
 */
export function sliceInterval(slice: string): { start: string; end: string } | null {
  const m = /^([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?$/.exec(slice);
  if (!m) return null;
  const year = Number(m[1]);
  if (m[3] !== undefined) return { start: slice, end: slice };
  if (m[2] !== undefined) {
    const month = Number(m[2]);
    if (month < 1 || month > 12) return null;
    const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
    return { start: `${m[1]}-${m[2]}-01`, end: `${m[1]}-${m[2]}-${String(last).padStart(2, '0')}` };
  }
  return { start: `${m[1]}-01-01`, end: `${m[1]}-12-31` };
}
