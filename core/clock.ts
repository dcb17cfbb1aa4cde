/**
 * Time, as an I/O seam: the wall clock for what records say (`started_at`, receipts) and a
 * monotonic one for durations. The engine reads time only through a Clock, so tests run on
 * a ManualClock and assert exact values.
 */
export interface Clock {
  /** Wall-clock time now. */
  now(): Date;
  /** Milliseconds on a clock that never goes back (durations, timeouts, debounce). */
  monotonicMs(): number;
}

/** The system's clocks. */
export const systemClock: Clock = {
  now: () => new Date(),
  monotonicMs: () => performance.now(),
};
