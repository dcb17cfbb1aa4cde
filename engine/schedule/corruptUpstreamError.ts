import type { Digest } from '../../core/digest.js';
import { KfmError } from '../../core/error.js';

/**
 * A task read an upstream output whose store object failed verification. The object has
 * been quarantined (ContentStore.quarantine), so the next build's cache check finds it
 * missing and reruns its producer; this build fails the reading node with this message.
 */
export class CorruptUpstreamError extends KfmError {
  readonly corrupt: { digest: Digest; node: string; output: string };

  constructor(corrupt: { digest: Digest; node: string; output: string }, cause: string) {
    super(
      'store',
      `upstream output "${corrupt.output}" of ${corrupt.node} (${corrupt.digest}) failed verification (${cause}): the object was moved aside, and ${corrupt.node} reruns on the next build`,
    );
    this.corrupt = corrupt;
  }
}
