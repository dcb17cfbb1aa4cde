import { KfmError } from '../../core/error.js';

/**
 * The time a slice covers, as the catalogs' temporal extent: `2017` → 2017-01-01T00:00:00Z
 * to 2017-12-31T23:59:59Z, `2017-06` → the month, `2017-06-30` → the day (UTC, whole seconds).
 */
export function sliceInterval(slice: string): { start: string; end: string } {
  const m = /^([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?$/.exec(slice);
  if (!m) throw new KfmError('usage', `slice ${JSON.stringify(slice)} has no time interval (expected YYYY, YYYY-MM or YYYY-MM-DD)`);
  const year = Number(m[1]);
  const month = m[2] === undefined ? undefined : Number(m[2]) - 1;
  const day = m[3] === undefined ? undefined : Number(m[3]);
  const start = new Date(Date.UTC(year, month ?? 0, day ?? 1));
  const next =
    day !== undefined ? Date.UTC(year, month!, day + 1) : month !== undefined ? Date.UTC(year, month + 1, 1) : Date.UTC(year + 1, 0, 1);
  if (start.getUTCFullYear() !== year || start.getUTCMonth() !== (month ?? 0) || start.getUTCDate() !== (day ?? 1)) {
    throw new KfmError('usage', `slice ${JSON.stringify(slice)} is not a calendar date`);
  }
  const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return { start: iso(start.getTime()), end: iso(next - 1000) };
}
