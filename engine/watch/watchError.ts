import type { KfmError } from '../../core/error.js';
import type { BuildEvent } from '../run/event.js';

/** The `watch-error` event for a problem watch mode reports and outlives (the next change retries). */
export function watchError(e: KfmError): BuildEvent {
  return { type: 'watch-error', code: e.code, message: e.message, ...(e.location ? { location: e.location } : {}) };
}
