import type { Clock } from './clock.js';

/** A Clock that moves only when told: the fake for engine tests (exact timestamps and durations). */
export class ManualClock implements Clock {
  #ms: number;
  #monotonic = 0;

  constructor(start: Date | string = '2026-01-01T00:00:00.000Z') {
    this.#ms = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.#ms);
  }

  monotonicMs(): number {
    return this.#monotonic;
  }

  /** Moves both clocks forward. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`a clock only moves forward (got ${ms} ms)`);
    this.#ms += ms;
    this.#monotonic += ms;
  }
}
