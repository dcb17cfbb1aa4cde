import { KfmError } from '../../core/error.js';
import type { LogEntry } from './ledgerLog.js';

/** `kfm log --since` and `--limit`, parsed. */
export interface LogFilter {
  /** Entries created at or after this instant. */
  since?: Date;
  /** At most this many entries: the most recent ones, still oldest first. */
  limit?: number;
}

const DURATION_RE = /^([0-9]+)(s|m|h|d|w)$/;
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const DATE_RE = /^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?(Z|[+-][0-9]{2}:[0-9]{2}))?$/;

/**
 * `--since`: an ISO 8601 date (`2026-12-01`, midnight UTC) or date-time with its offset
 * (`2026-12-01T09:30:00Z`), or a span back from `now` (`30m`, `12h`, `7d`, `2w`). Anything
 * else is a usage error that shows the forms.
 */
export function parseSince(text: string, now: Date): Date {
  const span = DURATION_RE.exec(text);
  if (span) return new Date(now.getTime() - Number(span[1]) * UNIT_MS[span[2] as keyof typeof UNIT_MS]);
  const at = DATE_RE.test(text) ? new Date(text.length === 10 ? `${text}T00:00:00Z` : text) : undefined;
  if (!at || Number.isNaN(at.getTime())) {
    throw new KfmError('usage', `--since needs a date (2026-12-01), a date-time with its zone (2026-12-01T09:30:00Z) or a span back from now (30m, 12h, 7d, 2w), not "${text}"`);
  }
  return at;
}

/** `--limit`: a positive integer. */
export function parseLimit(text: string): number {
  const n = Number(text);
  if (!/^[0-9]+$/.test(text) || !Number.isSafeInteger(n) || n < 1) throw new KfmError('usage', `--limit needs a positive integer (got "${text}")`);
  return n;
}

/** The entries the filter keeps, in ledger order. */
export function filterLog(entries: readonly LogEntry[], filter: LogFilter): LogEntry[] {
  const since = filter.since?.getTime();
  const kept = since === undefined ? [...entries] : entries.filter((e) => Date.parse(e.created_at) >= since);
  return filter.limit === undefined ? kept : kept.slice(Math.max(0, kept.length - filter.limit));
}
