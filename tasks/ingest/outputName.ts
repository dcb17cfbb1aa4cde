/** The name of the raw manifest output; a data output never takes it. */
export const MANIFEST_NAME = 'manifest.json';

/** The data output's name when a URL's path has no last segment (`https://host/`). */
export const FALLBACK_NAME = 'download';

/**
 * The name a source's bytes are stored under: the last segment of a URL's path or of a file
 * path, percent-decoded, reduced to `[A-Za-z0-9._-]` so it is a safe single path segment.
 * A name that would collide with the manifest becomes `upstream-manifest.json`.
 */
export function dataOutputName(pathOrUrl: string): string {
  let path = pathOrUrl;
  if (/^https?:\/\//i.test(pathOrUrl)) path = new URL(pathOrUrl).pathname;
  const last = path.split(/[\\/]/).pop() ?? '';
  let decoded = last;
  try {
    decoded = decodeURIComponent(last);
  } catch {
    // A malformed escape: keep the segment as it is written.
  }
  const safe = decoded.replace(/[^A-Za-z0-9._-]/g, '_');
  if (safe === '' || safe === '.' || safe === '..') return FALLBACK_NAME;
  if (safe === MANIFEST_NAME) return `upstream-${MANIFEST_NAME}`;
  return safe;
}
