import type { Json, JsonObject } from '../../core/json.js';
import { redactHeaders, redactQuery, redactUrl } from '../../core/redactSecrets.js';
import type { SecretRef } from '../../core/secretRef.js';

/**
 * The ingest's parameters as its run receipt records them (the meta's `receipt_parameters`,
 * which engine/receipts/datasetReceipts.ts takes over the node's params), from the params as
 * declared: `secret()` references kept as references, the source URL and credential literals
 * redacted, header names lower-cased.
 */
export function receiptParameters(declaredParams: Json): JsonObject {
  const p = declaredParams;
  const out: JsonObject = typeof p === 'object' && p !== null && !Array.isArray(p) ? { ...p } : {};
  if (typeof out.source === 'string') out.source = redactUrl(out.source);
  const headers = out.headers;
  if (typeof headers === 'object' && headers !== null && !Array.isArray(headers)) {
    const strings = Object.fromEntries(
      Object.entries(headers).map(([k, v]) => [k, typeof v === 'object' && v !== null ? (v as SecretRef) : String(v)]),
    );
    out.headers = redactHeaders(strings) as JsonObject;
  }
  const query = out.query;
  if (typeof query === 'object' && query !== null && !Array.isArray(query)) out.query = redactQuery(query);
  return out;
}
