import type { DirtyReason } from './dirtyReason.js';
import { unreachable } from '../../core/error.js';
import { shortDigest } from '../../core/shortDigest.js';

/** One line saying why a node runs, naming what changed and its old and new digests. */
export function describeReason(r: DirtyReason): string {
  switch (r.type) {
    case 'no-previous-run':
      return 'no previous run';
    case 'always':
      return 'always runs (revalidates its source)';
    case 'key-format':
      return `key format changed (${r.old} → ${r.new})`;
    case 'input-changed':
      return r.old === null
        ? `input ${r.path} added (${shortDigest(r.new)})`
        : r.new === null
          ? `input ${r.path} removed (was ${shortDigest(r.old)})`
          : `input ${r.path} changed: ${shortDigest(r.old)} → ${shortDigest(r.new)}`;
    case 'param-changed':
      return r.old === undefined
        ? `param ${r.pointer} added (${JSON.stringify(r.new)})`
        : r.new === undefined
          ? `param ${r.pointer} removed (was ${JSON.stringify(r.old)})`
          : `param ${r.pointer} changed: ${JSON.stringify(r.old)} → ${JSON.stringify(r.new)}`;
    case 'code-changed':
      return r.old === null
        ? `task code ${r.file} added (${shortDigest(r.new)})`
        : r.new === null
          ? `task code ${r.file} removed (was ${shortDigest(r.old)})`
          : `task code ${r.file} changed: ${shortDigest(r.old)} → ${shortDigest(r.new)}`;
    case 'upstream-changed':
      return `upstream ${r.upstream} changed: ${shortDigest(r.old)} → ${shortDigest(r.new)}`;
    case 'upstream-pending':
      return `upstream ${r.upstream} will run first`;
    case 'output-missing':
      return `stored output ${r.output} (${shortDigest(r.digest)}) is missing or damaged`;
    case 'forced':
      return 'forced by --force';
    case 'clean':
      return 'up to date';
    default:
      return unreachable(r);
  }
}
