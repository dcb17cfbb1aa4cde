import type { BuildEvent } from '../../engine/run/event.js';

/** `--jobs 200 is more than the build can use: running 1 job (the build has 1 node)`. */
export function jobsClampedText(e: Extract<BuildEvent, { type: 'jobs-clamped' }>): string {
  const why = e.limit === 'nodes' ? `the build has ${e.nodes} node${e.nodes === 1 ? '' : 's'}` : `at most 4 per core, ${e.cores} core${e.cores === 1 ? '' : 's'}`;
  return `--jobs ${e.requested} is more than the build can use: running ${e.jobs} job${e.jobs === 1 ? '' : 's'} (${why})`;
}
