import type { IngestOptions } from './ingestOptions.js';
import type { JsonObject } from '../../core/json.js';
import { isSecretRef } from '../../core/secretRef.js';

/**
 * What `kfm:ingest` runs with: the options of `ingest()` without `deps`, every `secret()`
 * resolved (the worker resolves them before the task starts).
 */
export type IngestParams = Omit<IngestOptions, 'deps' | 'headers' | 'query'> & {
  headers?: Record<string, string>;
  query?: Record<string, string>;
};

/** A header or query value as declared: a string or `{ "$secret": NAME }`. */
const REQUEST_VALUE: JsonObject = {
  oneOf: [
    { type: 'string' },
    {
      type: 'object',
      additionalProperties: false,
      required: ['$secret'],
      properties: { $secret: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' } },
    },
  ],
};

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
    headers: { type: 'object', additionalProperties: REQUEST_VALUE },
    query: { type: 'object', additionalProperties: REQUEST_VALUE },
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
  const { source, terms, headers, query, attempts, timeoutMs, ...rest } = params;
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
  if (headers !== undefined) out.headers = stringMap('headers', headers);
  if (query !== undefined) out.query = stringMap('query', query);
  if (attempts !== undefined) out.attempts = positiveInteger('attempts', attempts);
  if (timeoutMs !== undefined) out.timeoutMs = positiveInteger('timeoutMs', timeoutMs);
  return out;
}

/** A resolved `headers` or `query`: names to strings (a reference left unresolved is a bug). */
function stringMap(name: string, value: unknown): Record<string, string> {
  if (!isObject(value)) throw new Error(`kfm:ingest: '${name}' must map names to strings or secret() references`);
  for (const [k, v] of Object.entries(value)) {
    if (isSecretRef(v)) throw new Error(`kfm:ingest: '${name}.${k}' is secret('${v.$secret}'), which was not resolved`);
    if (typeof v !== 'string') throw new Error(`kfm:ingest: '${name}' must map names to strings or secret() references`);
  }
  return value as Record<string, string>;
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
