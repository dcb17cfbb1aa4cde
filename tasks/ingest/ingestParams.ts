import type { IngestOptions } from './ingestOptions.js';
import type { JsonObject } from '../../core/json.js';

/** What `kfm:ingest` receives: the options of `ingest()` without `deps`. */
export type IngestParams = Omit<IngestOptions, 'deps'>;

export const DEFAULT_ATTEMPTS = 4;
export const DEFAULT_TIMEOUT_MS = 30_000;

/** JSON Schema (draft-07) of IngestParams. */
export const paramsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['source'],
  properties: {
    source: {
      type: 'string',
      pattern: '^(file:.+|[hH][tT][tT][pP][sS]?://.+)$',
      description: '`file:<path relative to the project root>` or an http(s) URL.',
    },
    terms: {
      type: 'object',
      additionalProperties: false,
      required: ['license'],
      properties: {
        license: { type: 'string', minLength: 1 },
        attribution: { type: 'string' },
      },
    },
    headers: { type: 'object', additionalProperties: { type: 'string' } },
    attempts: { type: 'integer', minimum: 1, maximum: 100 },
    timeoutMs: { type: 'integer', minimum: 1 },
  },
} satisfies JsonObject;

/**
 * The params as IngestParams. The engine checks them against `paramsSchema` first; this
 * repeats the checks the task relies on, so a caller that skips the schema gets a clear
 * error rather than a wrong fetch.
 */
export function parseIngestParams(params: JsonObject): IngestParams {
  const { source, terms, headers, attempts, timeoutMs, ...rest } = params;
  const extra = Object.keys(rest);
  if (extra.length > 0) throw new Error(`kfm:ingest: unknown parameter ${extra.map((k) => `'${k}'`).join(', ')}`);
  if (typeof source !== 'string' || !/^(file:.+|https?:\/\/.+)$/i.test(source)) {
    throw new Error(`kfm:ingest: 'source' must be 'file:<path>' or an http(s) URL, got ${JSON.stringify(source)}`);
  }
  const out: IngestParams = { source };
  if (terms !== undefined) {
    if (!isObject(terms) || typeof terms.license !== 'string' || terms.license === '') {
      throw new Error(`kfm:ingest: 'terms' must be { license: string, attribution?: string }`);
    }
    if (terms.attribution !== undefined && typeof terms.attribution !== 'string') {
      throw new Error(`kfm:ingest: 'terms.attribution' must be a string`);
    }
    out.terms = { license: terms.license };
    if (terms.attribution !== undefined) out.terms.attribution = terms.attribution;
  }
  if (headers !== undefined) {
    if (!isObject(headers) || !Object.values(headers).every((v) => typeof v === 'string')) {
      throw new Error(`kfm:ingest: 'headers' must map header names to strings`);
    }
    out.headers = headers as Record<string, string>;
  }
  if (attempts !== undefined) out.attempts = positiveInteger('attempts', attempts);
  if (timeoutMs !== undefined) out.timeoutMs = positiveInteger('timeoutMs', timeoutMs);
  return out;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function positiveInteger(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new Error(`kfm:ingest: '${name}' must be a positive integer, got ${JSON.stringify(value)}`);
  }
  return value;
}
