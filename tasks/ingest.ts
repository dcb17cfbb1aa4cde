/**
 * `kfm:ingest`, the built-in ingest task: brings a `file:` or http(s) source into the raw
 * zone as two outputs, the bytes (named after the source's last path segment) and
 * `manifest.json` (the raw zone manifest). See tasks/ingest/ for the parts.
 */
import type { TaskContext, TaskFunction } from '../engine/schedule/taskContext.js';
import { ingestFile } from './ingest/fileSource.js';
import { ingestHttp, type HttpIngestOptions } from './ingest/httpSource.js';
import { parseIngestParams } from './ingest/ingestParams.js';

export { paramsSchema } from './ingest/ingestParams.js';

/** Knobs that are not params: tests shorten the backoff and fix the clock. */
export interface IngestTaskOptions {
  /** Waits between HTTP attempts: base × 2^(n−1), capped (default 250 ms, 30 s). */
  backoff?: Partial<HttpIngestOptions['backoff']>;
  /** Least time between two progress reports while a body streams (default 100 ms). */
  progressIntervalMs?: number;
  now?: () => Date;
}

export function createIngestTask(options: IngestTaskOptions = {}): TaskFunction {
  const http: HttpIngestOptions = {
    backoff: {
      baseDelayMs: options.backoff?.baseDelayMs ?? 250,
      maxDelayMs: options.backoff?.maxDelayMs ?? 30_000,
    },
    progressIntervalMs: options.progressIntervalMs ?? 100,
    now: options.now ?? (() => new Date()),
  };
  return async (ctx: TaskContext) => {
    const params = parseIngestParams(ctx.params);
    if (params.source.startsWith('file:')) await ingestFile(ctx, params, http.now);
    else await ingestHttp(ctx, params, http);
  };
}

export default createIngestTask();
