import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { paramsSchema } from '../../tasks/ingest.js';
import { parseRetryAfter } from '../../tasks/ingest/conditionalFetch.js';
import { parseIngestParams } from '../../tasks/ingest/ingestParams.js';
import { guessMediaType } from '../../tasks/ingest/mediaType.js';
import { dataOutputName } from '../../tasks/ingest/outputName.js';
import { redactHeaders, redactUrl } from '../../core/redactSecrets.js';
import { backoffDelay } from '../../tasks/ingest/retry.js';
import { sortedJson } from '../../core/sortedJson.js';

describe('sortedJson', () => {
  it('sorts keys at every depth, integer-like ones included, and ends with a newline', () => {
    expect(sortedJson({ b: 1, a: { z: [1, { y: null, x: true }], '10': 's', '9': [] }, '2': {} })).toBe(
      '{\n  "2": {},\n  "a": {\n    "10": "s",\n    "9": [],\n    "z": [\n      1,\n      {\n        "x": true,\n        "y": null\n      }\n    ]\n  },\n  "b": 1\n}\n',
    );
  });
  it('refuses non-finite numbers', () => {
    expect(() => sortedJson({ n: Number.NaN })).toThrow('cannot write NaN as JSON');
  });
});

describe('guessMediaType', () => {
  it.each([
    ['counties-10m.json', undefined, 'application/json'],
    ['ks.geojson', undefined, 'application/geo+json'],
    ['ks.topojson', undefined, 'application/json'],
    ['events.CSV', undefined, 'text/csv'],
    ['shapes.zip', 'application/x-zip-compressed', 'application/zip'],
    ['tile.pbf', undefined, 'application/x-protobuf'],
    ['download', 'Application/Geo+JSON; charset=utf-8', 'application/geo+json'],
    ['download', null, 'application/octet-stream'],
    ['archive.xyz', undefined, 'application/octet-stream'],
    ['.json', undefined, 'application/octet-stream'],
  ])('%s (%s) is %s', (name, contentType, expected) => {
    expect(guessMediaType(name, contentType)).toBe(expected);
  });
});

describe('dataOutputName', () => {
  it.each([
    ['https://example.org/data/counties.json?year=2017#top', 'counties.json'],
    ['https://example.org/', 'download'],
    ['https://example.org', 'download'],
    ['https://example.org/a/..', 'download'],
    ['https://example.org/dl/Storm%20Events%202017.csv', 'Storm_Events_2017.csv'],
    ['https://example.org/a%2Fb.json', 'a_b.json'],
    ['https://example.org/bad%E0%A4%A.json', 'bad_E0_A4_A.json'],
    ['https://example.org/stac/manifest.json', 'upstream-manifest.json'],
    ['data/raw/ks.geojson', 'ks.geojson'],
  ])('%s → %s', (source, expected) => {
    expect(dataOutputName(source)).toBe(expected);
  });
});

describe('redaction', () => {
  it('keeps header names, lower-cased, and drops credential values', () => {
    expect(
      redactHeaders({
        Authorization: 'Bearer x',
        'Proxy-Authorization': 'Basic y',
        Cookie: 'session=1',
        'X-Api-Key': 'k',
        'X-Auth-Token': 't',
        Accept: 'application/json',
        'User-Agent': 'kfm-test',
      }),
    ).toEqual({
      authorization: 'REDACTED',
      'proxy-authorization': 'REDACTED',
      cookie: 'REDACTED',
      'x-api-key': 'REDACTED',
      'x-auth-token': 'REDACTED',
      accept: 'application/json',
      'user-agent': 'kfm-test',
    });
  });
  it('redacts passwords and credential query parameters, and leaves other URLs alone', () => {
    expect(redactUrl('https://user:pw@example.org/x.json')).toBe('https://user:REDACTED@example.org/x.json');
    expect(redactUrl('https://example.org/x.json?api_key=abc&year=2017&X-Amz-Signature=s')).toBe(
      'https://example.org/x.json?api_key=REDACTED&year=2017&X-Amz-Signature=REDACTED',
    );
    expect(redactUrl('https://example.org/x.json?a=1&b=%20')).toBe('https://example.org/x.json?a=1&b=%20');
  });
});

describe('backoff', () => {
  const policy = { attempts: 4, baseDelayMs: 250, maxDelayMs: 1_000 };
  it('doubles from the base, capped', () => {
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, policy))).toEqual([250, 500, 1_000, 1_000]);
  });
  it('waits at least Retry-After, within the cap', () => {
    expect(backoffDelay(1, policy, 700)).toBe(700);
    expect(backoffDelay(1, policy, 60_000)).toBe(1_000);
  });
  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('Mon, 02 Mar 2026 10:00:00 GMT');
    expect(parseRetryAfter('3', now)).toBe(3_000);
    expect(parseRetryAfter('Mon, 02 Mar 2026 10:00:05 GMT', now)).toBe(5_000);
    expect(parseRetryAfter('Mon, 02 Mar 2026 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});

describe('params', () => {
  const validate = new Ajv({ strict: true }).compile(paramsSchema);
  it('accepts what ingest() passes and nothing else', () => {
    const full = {
      source: 'https://example.org/x.json',
      terms: { license: 'CC-BY-4.0', attribution: 'GeoNames' },
      headers: { Accept: 'application/json' },
      attempts: 2,
      timeoutMs: 500,
    };
    expect(validate(full)).toBe(true);
    expect(parseIngestParams(full)).toEqual(full);
    expect(validate({ source: 'file:data/x.json' })).toBe(true);
    expect(validate({ source: 'ftp://example.org/x' })).toBe(false);
    expect(validate({ source: 'file:x', deps: [] })).toBe(false);
    expect(validate({ source: 'file:x', attempts: 0 })).toBe(false);
    expect(validate({ source: 'file:x', terms: {} })).toBe(false);
  });
  it('names a bad parameter when the schema was skipped', () => {
    expect(() => parseIngestParams({ source: 'file:x', retries: 3 })).toThrow("kfm:ingest: unknown parameter 'retries'");
    expect(() => parseIngestParams({ source: 'ftp://x' })).toThrow(
      `kfm:ingest: 'source' must be 'file:<path>' or an http(s) URL, got "ftp://x"`,
    );
    expect(() => parseIngestParams({ source: 'file:x', attempts: 1.5 })).toThrow(
      "kfm:ingest: 'attempts' must be a positive integer, got 1.5",
    );
  });
});
