import type { Clock } from '../../core/clock.js';
import type { Digest } from '../../core/digest.js';
import type { DirtyReason } from '../keys/dirtyReason.js';
import type { EventSink } from '../run/event.js';
import type { TaskMessage } from './job.js';

/**
 * A job handed to the runner, from the scheduler's side. A runner may queue it (a pool
 * batches jobs onto its threads): the node starts (`node-start`, and its clock) when the
 * runner says it began, or when its outcome arrives if the runner never said so.
 */
export class RunningJob {
  readonly id: string;
  readonly key: Digest;
  readonly reason: DirtyReason;
  /** Aborted with CANCEL_IF_NOT_BEGUN after a failure, or with no reason on an interrupt. */
  readonly abort = new AbortController();
  readonly #clock: Clock;
  readonly #onEvent: EventSink;
  #begunAt: number | undefined;
  #finished = false;

  constructor(id: string, key: Digest, reason: DirtyReason, clock: Clock, onEvent: EventSink) {
    this.id = id;
    this.key = key;
    this.reason = reason;
    this.#clock = clock;
    this.#onEvent = onEvent;
  }

  /** Whether the runner began the job. */
  get begun(): boolean {
    return this.#begunAt !== undefined;
  }

  /** Passes the runner's messages on as events; logs and progress after the outcome are dropped. */
  readonly onMessage = (msg: TaskMessage): void => {
    if (msg.type === 'started') this.#begin();
    else if (this.#finished) return;
    else if (msg.type === 'log') this.#onEvent({ type: 'node-log', id: this.id, level: msg.level, message: msg.message });
    else {
      this.#onEvent({
        type: 'node-progress',
        id: this.id,
        done: msg.done,
        ...(msg.total !== undefined ? { total: msg.total } : {}),
        ...(msg.unit !== undefined ? { unit: msg.unit } : {}),
      });
    }
  };

  /** The outcome arrived: no more messages are passed on. */
  finish(): void {
    this.#finished = true;
  }

  /** The job ran (it began, if the runner never said so): how long, in whole milliseconds. */
  ranForMs(): number {
    this.#begin();
    return Math.round(this.#clock.monotonicMs() - this.#begunAt!);
  }

  #begin(): void {
    if (this.#begunAt !== undefined) return;
    this.#begunAt = this.#clock.monotonicMs();
    this.#onEvent({ type: 'node-start', id: this.id, key: this.key, reason: this.reason });
  }
}
