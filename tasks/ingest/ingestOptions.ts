import type { SecretRef } from '../../core/secretRef.js';

/** A header or query parameter value: a literal, or a `secret()` resolved in the worker at run time. */
export type RequestValue = string | SecretRef;

/** Options of the built-in ingest task (`kfm:ingest`). */
export interface IngestOptions {
  /** `file:<path relative to the project root>` or an `http(s)://` URL (no credentials in it: see `query`). */
  source: string;
  /** The terms the data comes under, recorded in the raw manifest. */
  terms?: { license: string; attribution?: string };
  /** Extra request headers for HTTP sources; a credential takes `secret('NAME')`. */
  headers?: Record<string, RequestValue>;
  /**
   * Query parameters appended to an HTTP source's URL, in this order (after any in `source`):
   * `query: { token: secret('KS_API_TOKEN') }`.
   */
  query?: Record<string, RequestValue>;
  /** HTTP attempts on 5xx and network errors (default 4). */
  attempts?: number;
  /** Per-attempt timeout in milliseconds (default 30000). */
  timeoutMs?: number;
  deps?: string[];
}
