import { unreachable } from '../../core/error.js';
import type { SkipReason } from './skipReason.js';

/** Why a node was skipped, in words: `a/bad failed`, `interrupted`, `the build stopped after a failure`. */
export function describeSkip(r: SkipReason): string {
  switch (r.type) {
    case 'upstream-failed':
      return `${r.upstream} failed`;
    case 'interrupted':
      return 'interrupted';
    case 'stopped-after-failure':
      return 'the build stopped after a failure';
    default:
      return unreachable(r);
  }
}
