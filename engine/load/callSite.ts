import type { Location } from '../../core/error.js';

const CAPTURE = Symbol.for('kfm.captureCallSites');

/**
 * Turns call-site capture on or off. Off by default: capturing a stack costs ~10 µs per
 * declaration (a second per 100k tasks). A kfmfile is a pure function of its source, so when
 * an error needs a location, kfm loads it again with capture on (engine/load/locateError.ts).
 */
export function setCallSiteCapture(on: boolean): void {
  (globalThis as Record<symbol, unknown>)[CAPTURE] = on;
}

/**
 * Captures where a kfmfile declaration was made, when capture is on. The Error is kept
 * unformatted (cheap) and only turned into a location when an error message needs it.
 */
export function captureCallSite(): Error | undefined {
  if ((globalThis as Record<symbol, unknown>)[CAPTURE] !== true) return undefined;
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
