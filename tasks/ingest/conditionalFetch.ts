import { open } from 'node:fs/promises';
import { STATUS_CODES } from 'node:http';
import type { AttemptResult } from './retry.js';

/** An HTTP response's validators, as received or as sent back. */
export interface Validators {
  etag: string | null;
  lastModified: string | null;
}

export interface FetchRequest {
  url: string;
  headers: Readonly<Record<string, string>>;
  /** Validators to revalidate against (If-None-Match / If-Modified-Since), or null. */
  conditional: Validators | null;
  /** Longest wait for the response headers, and then between two body chunks. */
  timeoutMs: number;
  /** Where a 2xx body is written (truncated first). */
  bodyPath: string;
  signal: AbortSignal;
  progress(done: number, total?: number): void;
  /** Least time between two progress reports; the last one is always sent. */
  progressIntervalMs: number;
}

export type FetchResponse =
  /** A 2xx: the body is in `bodyPath` (the store hashes it). */
  | { type: 'modified'; status: number; validators: Validators; contentType: string | null }
  /** A 304 to a conditional request. */
  | { type: 'not_modified'; status: 304; validators: Validators };

/** Statuses worth another attempt. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** `404 Not Found` */
export function statusLine(status: number, statusText: string): string {
  const text = statusText || STATUS_CODES[status] || '';
  return text ? `${status} ${text}` : String(status);
}

/**
 * One GET, conditional when validators are given, with a 2xx body streamed to a file.
 * Transient failures come back as `retry`, permanent ones as `fail`; an abort of `signal`
 * rejects with the signal's reason.
 */
export async function conditionalFetch(req: FetchRequest): Promise<AttemptResult<FetchResponse>> {
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(new Error('timeout')), req.timeoutMs);
  const signal = AbortSignal.any([req.signal, timeout.signal]);
  try {
    return await attempt(req, signal, () => timer.refresh());
  } catch (e: unknown) {
    if (req.signal.aborted) throw req.signal.reason;
    if (timeout.signal.aborted) return { type: 'retry', reason: `timed out after ${req.timeoutMs} ms` };
    return { type: 'retry', reason: describeNetworkError(e) };
  } finally {
    clearTimeout(timer);
  }
}

async function attempt(
  req: FetchRequest,
  signal: AbortSignal,
  resetTimeout: () => void,
): Promise<AttemptResult<FetchResponse>> {
  const headers: Record<string, string> = { 'user-agent': 'kfm', ...lowerCaseNames(req.headers) };
  if (req.conditional?.etag) headers['if-none-match'] = req.conditional.etag;
  if (req.conditional?.lastModified) headers['if-modified-since'] = req.conditional.lastModified;

  const res = await fetch(req.url, { method: 'GET', headers, redirect: 'follow', signal });
  const validators: Validators = {
    etag: res.headers.get('etag'),
    lastModified: res.headers.get('last-modified'),
  };
  const line = statusLine(res.status, res.statusText);

  if (res.status === 304) {
    await res.body?.cancel();
    if (req.conditional === null) return { type: 'fail', reason: `${line} to a request that sent no validators` };
    return { type: 'done', value: { type: 'not_modified', status: 304, validators } };
  }
  if (!res.ok || res.status === 206) {
    await res.body?.cancel();
    if (isRetryableStatus(res.status)) {
      const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), Date.now());
      return retryAfterMs === undefined ? { type: 'retry', reason: line } : { type: 'retry', reason: line, retryAfterMs };
    }
    return { type: 'fail', reason: line };
  }

  resetTimeout();
  // With a Content-Encoding, Content-Length counts the encoded bytes, not the ones we store.
  const declared = res.headers.get('content-encoding') ? null : res.headers.get('content-length');
  const total = declared !== null && /^\d+$/.test(declared) ? Number(declared) : undefined;
  const size = await saveBody(res, req, total, resetTimeout);
  if (total !== undefined && size !== total) {
    return { type: 'retry', reason: `body ended after ${size} of ${total} bytes` };
  }
  return {
    type: 'done',
    value: { type: 'modified', status: res.status, validators, contentType: res.headers.get('content-type') },
  };
}

async function saveBody(
  res: Response,
  req: FetchRequest,
  total: number | undefined,
  resetTimeout: () => void,
): Promise<number> {
  const file = await open(req.bodyPath, 'w');
  let size = 0;
  let reportedAt = 0;
  try {
    if (res.body !== null) {
      for await (const chunk of res.body) {
        resetTimeout();
        await file.write(chunk);
        size += chunk.byteLength;
        const now = Date.now();
        if (now - reportedAt >= req.progressIntervalMs) {
          reportedAt = now;
          req.progress(size, total);
        }
      }
    }
  } finally {
    await file.close();
  }
  req.progress(size, total);
  return size;
}

/** A Retry-After header (delta-seconds or an HTTP date) in milliseconds from `now`. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** undici says `fetch failed` and puts the reason (`connect ECONNREFUSED ...`) in `cause`. */
function describeNetworkError(e: unknown): string {
  if (e instanceof Error) {
    const cause: unknown = e.cause;
    if (cause instanceof Error && cause.message) return cause.message;
    return e.message;
  }
  return String(e);
}

function lowerCaseNames(headers: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) out[name.toLowerCase()] = value;
  return out;
}
