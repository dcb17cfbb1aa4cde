import type { Json } from '../../core/json.js';
import { REDACTED, redactUrl } from '../../core/redactSecrets.js';
import { isSecretRef } from '../../core/secretRef.js';

/** The URL an ingest requests: `source` with the `query` parameters appended, in order. */
export function requestUrl(source: string, query: Readonly<Record<string, string>> | undefined): string {
  if (query === undefined || Object.keys(query).length === 0) return source;
  const url = new URL(source);
  for (const [name, value] of Object.entries(query)) url.searchParams.append(name, value);
  return url.toString();
}

/**
 * The URL as kfm records and prints it, from the *declared* params: `secret()` values and
 * credential literals in the query shown as `REDACTED`. It does not change when a secret is
 * rotated, so a 304 revalidation survives a rotation.
 */
export function recordedUrl(source: string, declaredQuery: Json | undefined): string {
  if (typeof declaredQuery !== 'object' || declaredQuery === null || Array.isArray(declaredQuery)) return redactUrl(source);
  const shown: Record<string, string> = {};
  for (const [name, value] of Object.entries(declaredQuery)) shown[name] = isSecretRef(value) ? REDACTED : String(value);
  return redactUrl(requestUrl(source, shown));
}
