import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { OutputRecord } from '../../core/outputRecord.js';
import type { TaskContext } from '../../engine/schedule/taskContext.js';
import { conditionalFetch, type Validators } from './conditionalFetch.js';
import { DEFAULT_ATTEMPTS, DEFAULT_TIMEOUT_MS, type IngestParams } from './ingestParams.js';
import { readPrior, type IngestMeta } from './ingestMeta.js';
import { receiptParameters } from './receiptParameters.js';
import { guessMediaType } from './mediaType.js';
import { dataOutputName, MANIFEST_NAME } from './outputName.js';
import { buildRawManifest, serializeRawManifest } from './rawManifest.js';
import { recordedUrl, requestUrl } from './requestUrl.js';
import type { JsonObject } from '../../core/json.js';
import { retry, type RetryPolicy } from './retry.js';

export interface HttpIngestOptions {
  /** Waits between attempts; the number of attempts comes from the params. */
  backoff: Omit<RetryPolicy, 'attempts'>;
  progressIntervalMs: number;
  now: () => Date;
}

/**
 * Fetch an http(s) source, revalidating against the node's previous result: a 304 keeps
 * the previous bytes and writes the same manifest again (decision `no_op`), so the node's
 * outputs are unchanged and downstream stays cached; a 2xx stores the new bytes (decision
 * `materialize`).
 */
export async function ingestHttp(ctx: TaskContext, params: IngestParams, options: HttpIngestOptions): Promise<void> {
  // What is recorded and printed comes from the declared params (secrets as references).
  const declared = ctx.declaredParams;
  const sourceUrl = recordedUrl(params.source, declared.query);
  const name = dataOutputName(params.source);
  const prior = readPrior(ctx.previous, sourceUrl, name);
  const policy: RetryPolicy = { attempts: params.attempts ?? DEFAULT_ATTEMPTS, ...options.backoff };
  await mkdir(ctx.scratchDir, { recursive: true });
  const bodyPath = join(ctx.scratchDir, 'ingest-body');

  ctx.log.info(`GET ${sourceUrl}${describeValidators(prior.validators)}`);
  const result = await retry(
    () =>
      conditionalFetch({
        url: requestUrl(params.source, params.query),
        headers: params.headers ?? {},
        conditional: prior.validators,
        timeoutMs: params.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        bodyPath,
        signal: ctx.signal,
        progress: (done, total) => ctx.progress(done, total, 'bytes'),
        progressIntervalMs: options.progressIntervalMs,
      }),
    policy,
    ctx.signal,
    ({ n, reason, delayMs }) =>
      ctx.log.warn(`GET ${sourceUrl}: ${reason}; attempt ${n + 1} of ${policy.attempts} in ${delayMs} ms`),
  );
  if (!result.ok) {
    const { reason, attempts, exhausted } = result.error;
    throw new Error(`GET ${sourceUrl} failed${exhausted ? ` after ${plural(attempts, 'attempt')}` : ''}: ${reason}`);
  }

  const { value: response, attempts } = result.value;
  const fetchedAt = options.now().toISOString();
  let data: OutputRecord;
  let materialized: { at: string; etag: string | null; lastModified: string | null };
  if (response.type === 'not_modified') {
    data = await ctx.reuseOutput(name);
    // The manifest describes the fetch the kept bytes came from, not this revalidation.
    materialized = prior.materialized ?? { at: fetchedAt, ...(prior.validators ?? NO_VALIDATORS) };
    ctx.log.info(`304 Not Modified: keeping ${name} (${data.digest})`);
  } else {
    data = await ctx.outputFile(name, bodyPath, guessMediaType(name, response.contentType));
    materialized = { at: fetchedAt, ...response.validators };
    ctx.log.info(`${response.status}: stored ${name}, ${plural(data.size, 'byte')}, ${data.digest}`);
  }

  const manifest = buildRawManifest({
    datasetSlug: ctx.dataset,
    accessMethod: 'http',
    sourceUrl,
    parameters: recordedRequest(declared),
    etag: materialized.etag,
    lastModified: materialized.lastModified,
    terms: params.terms,
    artifact: data,
  });
  await ctx.output(MANIFEST_NAME, serializeRawManifest(manifest), 'application/json');

  const sent = prior.validators ?? NO_VALIDATORS;
  const meta: IngestMeta = {
    kfm_ingest_meta_version: 'v1',
    access_method: 'http',
    source_url: sourceUrl,
    output: name,
    decision: response.type === 'not_modified' ? 'no_op' : 'materialize',
    http_status: response.status,
    attempts,
    fetched_at: fetchedAt,
    etag_sent: sent.etag,
    last_modified_sent: sent.lastModified,
    etag_received: response.validators.etag,
    last_modified_received: response.validators.lastModified,
    digest: data.digest,
    size: data.size,
    prior_digest: prior.output?.digest ?? null,
    content_changed: data.digest !== prior.output?.digest,
    materialized_at: materialized.at,
    materialized_etag: materialized.etag,
    materialized_last_modified: materialized.lastModified,
    receipt_parameters: receiptParameters(declared),
  };
  ctx.setMeta(meta);
}

/** The manifest's `parameters`: how the request was made, credentials redacted, secrets as references. */
function recordedRequest(declared: JsonObject): JsonObject {
  const recorded = receiptParameters(declared);
  const out: JsonObject = { method: 'GET', headers: recorded.headers ?? {} };
  if (recorded.query !== undefined) out.query = recorded.query;
  return out;
}

const NO_VALIDATORS: Validators = { etag: null, lastModified: null };

function describeValidators(v: Validators | null): string {
  if (v === null) return '';
  const parts: string[] = [];
  if (v.etag !== null) parts.push(`If-None-Match: ${v.etag}`);
  if (v.lastModified !== null) parts.push(`If-Modified-Since: ${v.lastModified}`);
  return ` (${parts.join(', ')})`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
