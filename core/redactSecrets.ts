/** What a secret value is replaced with wherever kfm records a request. */
export const REDACTED = 'REDACTED';

/** Header names whose values are credentials. */
const SECRET_HEADER =
  /^(authorization|proxy-authorization|cookie|set-cookie)$|(^|[-_])(api[-_]?key|token|secret|password|session|signature|credentials?)($|[-_])|^x-auth/i;

/** Query parameter names whose values are credentials (API keys, signed-URL parts). */
const SECRET_QUERY =
  /^(api[-_]?key|apikey|key|token|access[-_]?token|auth|secret|password|passwd|sig|signature|x-amz-signature|x-amz-credential|x-amz-security-token|x-goog-signature|x-goog-credential)$/i;

/**
 * Request headers as kfm records them: names lower-cased, the values of credential headers
 * (Authorization, Cookie, API keys and tokens) replaced by `REDACTED`. The names stay, so a
 * reader can see that the request was authenticated.
 */
export function redactHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    out[lower] = SECRET_HEADER.test(lower) ? REDACTED : value;
  }
  return out;
}

/**
 * A URL as kfm records and prints it: a password in the authority and the values of
 * credential query parameters (`api_key`, `token`, signed-URL signatures) replaced by
 * `REDACTED`. Other URLs come back exactly as given.
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  let changed = false;
  if (parsed.password !== '') {
    parsed.password = REDACTED;
    changed = true;
  }
  for (const name of new Set(parsed.searchParams.keys())) {
    if (SECRET_QUERY.test(name)) {
      parsed.searchParams.set(name, REDACTED);
      changed = true;
    }
  }
  return changed ? parsed.toString() : url;
}
