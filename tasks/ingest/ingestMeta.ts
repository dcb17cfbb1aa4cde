import type { OutputRecord } from '../../core/outputRecord.js';
import type { Json, JsonObject } from '../../core/json.js';
import type { Validators } from './conditionalFetch.js';

/**
 * What an ingest keeps with its result (ctx.setMeta): the conditional-request facts of
 * the ingest receipt, the parameters its receipt records, and what the next run
 * revalidates against. Every field is always
 * present; those that do not apply are null.
 */
export type IngestMeta = {
  kfm_ingest_meta_version: 'v1';
  access_method: 'http' | 'file';
  /** As in the raw manifest (credentials redacted). */
  source_url: string;
  /** The data output's name. */
  output: string;
  /** `materialize`: new bytes were stored; `no_op`: upstream unchanged (304), bytes kept. */
  decision: 'materialize' | 'no_op';
  /** 200 or 304 (another 2xx when the server sent one); null for a file. */
  http_status: number | null;
  /** HTTP attempts made, retries included; null for a file. */
  attempts: number | null;
  /** When this run read the source (ISO 8601). */
  fetched_at: string;
  etag_sent: string | null;
  last_modified_sent: string | null;
  etag_received: string | null;
  last_modified_received: string | null;
  /** The data output's digest and size. */
  digest: string;
  size: number;
  /** The previous result's data digest, or null when there is none. */
  prior_digest: string | null;
  /** False when the bytes are the prior ones (always so after a 304). */
  content_changed: boolean;
  /** When, and with which validators, the stored bytes were fetched (carried over a 304). */
  materialized_at: string;
  materialized_etag: string | null;
  materialized_last_modified: string | null;
  /** The params as the run receipt records them (tasks/ingest/receiptParameters.ts: credentials redacted). */
  receipt_parameters: JsonObject;
};

/** What the previous result of this node offers a new run. */
export interface Prior {
  /** The previous data output, when the previous result has one by this name. */
  output: OutputRecord | null;
  /**
   * Validators to revalidate with: set only when the previous result came from the same
   * source, holds the data output, and recorded an ETag or a Last-Modified.
   */
  validators: Validators | null;
  /** When and with which validators the previous bytes were fetched. */
  materialized: { at: string; etag: string | null; lastModified: string | null } | null;
}

/**
 * Read the previous result of this node, trusting only what it can check: meta of another
 * source, of other bytes, or of another shape (a later `kfm_ingest_meta_version`) yields no
 * validators, so the fetch is unconditional and nothing stale is reused.
 */
export function readPrior(
  previous: { outputs: OutputRecord[]; meta: Json } | null,
  sourceUrl: string,
  outputName: string,
): Prior {
  const output = previous?.outputs.find((o) => o.name === outputName) ?? null;
  const meta = previous?.meta;
  if (output === null || typeof meta !== 'object' || meta === null || Array.isArray(meta)) {
    return { output, validators: null, materialized: null };
  }
  const str = (key: string): string | null => {
    const v = meta[key];
    return typeof v === 'string' && v !== '' ? v : null;
  };
  if (str('kfm_ingest_meta_version') !== 'v1' || str('source_url') !== sourceUrl || str('digest') !== output.digest) {
    return { output, validators: null, materialized: null };
  }
  const etag = str('etag_received') ?? str('materialized_etag');
  const lastModified = str('last_modified_received') ?? str('materialized_last_modified');
  const materializedAt = str('materialized_at');
  return {
    output,
    validators: etag === null && lastModified === null ? null : { etag, lastModified },
    materialized:
      materializedAt === null
        ? null
        : { at: materializedAt, etag: str('materialized_etag'), lastModified: str('materialized_last_modified') },
  };
}
