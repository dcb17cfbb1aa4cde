/** Options of the built-in ingest task (`kfm:ingest`). */
export interface IngestOptions {
  /** `file:<path relative to the project root>` or an `http(s)://` URL. */
  source: string;
  /** The terms the data comes under, recorded in the raw manifest. */
  terms?: { license: string; attribution?: string };
  /** Extra request headers for HTTP sources. */
  headers?: Record<string, string>;
  /** HTTP attempts on 5xx and network errors (default 4). */
  attempts?: number;
  /** Per-attempt timeout in milliseconds (default 30000). */
  timeoutMs?: number;
  deps?: string[];
}
