import type { Json } from './json.js';
import { isSecretRef, looksLikeCredential, type SecretRef } from './secretRef.js';

/** What a secret value is replaced with wherever kfm records a request. */
export const REDACTED = 'REDACTED';

/** Header names whose values are credentials (besides any name `looksLikeCredential`). */
const SECRET_HEADER =
  /^(authorization|proxy-authorization|cookie|set-cookie)$|(^|[-_])(api[-_]?key|token|secret|password|session|signature|credentials?)($|[-_])|^x-auth/i;

/** Query parameter names whose values are credentials (API keys, signed-URL parts). */
const SECRET_QUERY =
  /^(api[-_]?key|apikey|key|token|access[-_]?token|auth|secret|password|passwd|sig|signature|x-amz-signature|x-amz-credential|x-amz-security-token|x-goog-signature|x-goog-credential)$/i;

const isSecretHeader = (name: string): boolean => SECRET_HEADER.test(name) || looksLikeCredential(name);
const isSecretQuery = (name: string): boolean => SECRET_QUERY.test(name) || looksLikeCredential(name);

/**
 * Request headers as kfm records them: names lower-cased, the values of credential headers
 * (Authorization, Cookie, API keys and tokens) replaced by `REDACTED`. The names stay, so a
 * reader can see that the request was authenticated. A `secret()` reference stays a
 * reference (it holds a name, not a value).
 */
export function redactHeaders(headers: Readonly<Record<string, string>>): Record<string, string>;
export function redactHeaders(headers: Readonly<Record<string, string | SecretRef>>): Record<string, string | SecretRef>;
export function redactHeaders(headers: Readonly<Record<string, string | SecretRef>>): Record<string, string | SecretRef> {
  const out: Record<string, string | SecretRef> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    out[lower] = isSecretRef(value) ? { $secret: value.$secret } : isSecretHeader(lower) ? REDACTED : value;
  }
  return out;
}

/**
 * Query parameters (an ingest's `query`) as kfm records them: names as given, literal values
 * of credential names replaced by `REDACTED`, references kept.
 */
export function redactQuery(query: Readonly<Record<string, Json>>): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const [name, value] of Object.entries(query)) {
    out[name] = isSecretRef(value) ? { $secret: value.$secret } : isSecretQuery(name) ? REDACTED : value;
  }
  return out;
}

/**
 * A URL as kfm records and prints it: a password in the authority and the values of
 * credential query parameters (`api_key`, `token`, `client_secret`, signed-URL signatures)
 * replaced by `REDACTED`. Other URLs come back exactly as given.
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
    if (isSecretQuery(name)) {
      parsed.searchParams.set(name, REDACTED);
      changed = true;
    }
  }
  return changed ? parsed.toString() : url;
}

/** A URL with its userinfo (`user:pass@`) shown as `***@`, for a message about it. */
export function hideUserinfo(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, '$1***@');
}
