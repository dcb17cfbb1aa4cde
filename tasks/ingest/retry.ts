import { unreachable, type Result } from '../../core/error.js';
import { abortableSleep } from './abortableSleep.js';

export interface RetryPolicy {
  /** Attempts in all, the first one included. */
  attempts: number;
  /** The wait before the second attempt; it doubles for each one after (no jitter). */
  baseDelayMs: number;
  /** No wait is longer, whatever the backoff or the server's Retry-After says. */
  maxDelayMs: number;
}

/** What one attempt came to. */
export type AttemptResult<T> =
  /** Finished: no more attempts. */
  | { type: 'done'; value: T }
  /** A transient failure (5xx, 429, network, timeout): worth another attempt. */
  | { type: 'retry'; reason: string; retryAfterMs?: number }
  /** A failure another attempt would repeat (a 404, a bad response). */
  | { type: 'fail'; reason: string };

export interface RetryFailure {
  reason: string;
  attempts: number;
  /** True when the attempts ran out on transient failures; false on a `fail`. */
  exhausted: boolean;
}

/** The wait after failed attempt `n` (1-based): base × 2^(n−1), at least Retry-After, capped. */
export function backoffDelay(n: number, policy: RetryPolicy, retryAfterMs?: number): number {
  const backoff = policy.baseDelayMs * 2 ** (n - 1);
  return Math.min(policy.maxDelayMs, Math.max(backoff, retryAfterMs ?? 0));
}

/**
 * Run `attempt` until it is done or fails for good, waiting with exponential backoff
 * between transient failures. An abort of `signal` (during an attempt or a wait) rejects
 * with the signal's reason; everything else comes back as a Result.
 */
export async function retry<T>(
  attempt: (n: number) => Promise<AttemptResult<T>>,
  policy: RetryPolicy,
  signal: AbortSignal,
  onRetry: (info: { n: number; reason: string; delayMs: number }) => void,
): Promise<Result<{ value: T; attempts: number }, RetryFailure>> {
  for (let n = 1; ; n++) {
    signal.throwIfAborted();
    const result = await attempt(n);
    switch (result.type) {
      case 'done':
        return { ok: true, value: { value: result.value, attempts: n } };
      case 'fail':
        return { ok: false, error: { reason: result.reason, attempts: n, exhausted: false } };
      case 'retry': {
        if (n >= policy.attempts) {
          return { ok: false, error: { reason: result.reason, attempts: n, exhausted: true } };
        }
        const delayMs = backoffDelay(n, policy, result.retryAfterMs);
        onRetry({ n, reason: result.reason, delayMs });
        await abortableSleep(delayMs, signal);
        break;
      }
      default:
        return unreachable(result);
    }
  }
}
