/** Paths named before the rest are counted. */
const NAMED = 3;

/** `tasks/t.ts`, `a.txt, b.txt`, or `a.txt, b.txt, c.txt and 4 more`. */
function pathsText(paths: readonly string[]): string {
  if (paths.length <= NAMED) return paths.join(', ');
  return `${paths.slice(0, NAMED).join(', ')} and ${paths.length - NAMED} more`;
}

/** What watch mode says between and around builds: the same words in every reporter. */
export const watchLineText = {
  waiting: (files: number, patterns: number): string =>
    `watch: waiting for changes (${files} file${files === 1 ? '' : 's'}${patterns > 0 ? `, ${patterns} glob${patterns === 1 ? '' : 's'}` : ''}; Ctrl-C to quit)`,
  change: (paths: readonly string[]): string => `watch: change in ${pathsText(paths)}; rebuilding`,
  pending: (paths: readonly string[], interrupt: boolean): string =>
    `watch: change in ${pathsText(paths)}; ${interrupt ? 'interrupting the build' : 'rebuilding after this build'}`,
};
