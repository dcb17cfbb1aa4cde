import type { Json, JsonObject } from '../../core/json.js';
import { redactHeaders, redactUrl } from '../../core/redactSecrets.js';

/**
 * The ingest's parameters as its run receipt records them (the meta's `receipt_parameters`,
 * which engine/receipts/datasetReceipts.ts takes over the node's params): the source URL and
 * the values of credential headers redacted, header names lower-cased.
 */
export function receiptParameters(params: Json): JsonObject {
  const out: JsonObject = typeof params === 'object' && params !== null && !Array.isArray(params) ? { ...params } : {};
  if (typeof out.source === 'string') out.source = redactUrl(out.source);
  const headers = out.headers;
  if (typeof headers === 'object' && headers !== null && !Array.isArray(headers)) {
    out.headers = redactHeaders(Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, String(v)])));
  }
  return out;
}
