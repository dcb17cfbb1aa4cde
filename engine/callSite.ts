import type { Location } from './error.js';

/**
 * Captures where a kfmfile declaration was made. The Error is kept unformatted (cheap) and
 * only turned into a location when an error message needs it.
 */
export function captureCallSite(): Error | undefined {
  const limit = Error.stackTraceLimit;
  // The declaration helper and its callers in the kfmfile are all that is ever shown.
  Error.stackTraceLimit = 4;
  const e = new Error('declared here');
  Error.captureStackTrace(e, captureCallSite);
  Error.stackTraceLimit = limit;
  return e;
}

/** The first stack frame in `file` (a path or file URL suffix), as a location. */
export function callSiteIn(site: Error | undefined, file: string, shownAs: string = file): Location | undefined {
  if (!site?.stack) return undefined;
  for (const line of site.stack.split('\n').slice(1)) {
    const m = /\(?((?:file:\/\/)?[^()\s]+):(\d+):(\d+)\)?\s*$/.exec(line);
    if (!m) continue;
    const path = decodeURI(m[1]!.replace(/^file:\/\//, '')).split('?')[0]!;
    if (path === file || path.endsWith(file)) {
      return { file: shownAs, line: Number(m[2]), column: Number(m[3]) };
    }
  }
  return undefined;
}
