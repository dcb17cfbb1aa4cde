/** Parts of kfm serve on their own: tile coordinates, the operator token, the answer cache and its fingerprint. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { projectPaths } from '../../engine/load/projectPaths.js';
import { AnswerCache, projectFingerprint } from '../../cli/serve/answerCache.js';
import { ApiError } from '../../cli/serve/apiError.js';
import { isOperator, maySee } from '../../cli/serve/operatorAuth.js';
import { tileCoordinates } from '../../cli/serve/tileReader.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const apiError = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    if (e instanceof ApiError) return `${e.status} ${e.code}: ${e.message}`;
    throw e;
  }
  return 'no error';
};

describe('tile coordinates', () => {
  it('take integers with 0 ≤ z ≤ 24 and 0 ≤ x, y < 2^z', () => {
    expect(tileCoordinates('0', '0', '0')).toEqual({ z: 0, x: 0, y: 0 });
    expect(tileCoordinates('24', '16777215', '16777215')).toEqual({ z: 24, x: 16777215, y: 16777215 });
    expect(apiError(() => tileCoordinates('5', '32', '0'))).toBe('400 bad_tile: tile 5/32/0: at zoom 5, x and y run 0–31');
    expect(apiError(() => tileCoordinates('25', '0', '0'))).toBe('400 bad_tile: tile 25/0/0: zoom 25 is over 24');
    for (const [z, x, y] of [['1', '-1', '0'], ['1', '0', '0.5'], ['01', '0', '0'], ['1', '0x1', '0'], ['', '0', '0'], ['1', '1e0', '0']] as const) {
      expect(apiError(() => tileCoordinates(z, x, y))).toBe(`400 bad_tile: tile ${z}/${x}/${y}: z, x and y must be non-negative integers`);
    }
  });
});

describe('the operator token', () => {
  it('no header is anonymous; the right bearer token is an operator; anything else is 401', () => {
    expect(isOperator(undefined, 'secret')).toBe(false);
    expect(isOperator('Bearer secret', 'secret')).toBe(true);
    expect(apiError(() => isOperator('Bearer secreT', 'secret'))).toBe('401 unauthorized: the operator token does not match');
    expect(apiError(() => isOperator('Bearer secret-and-more', 'secret'))).toBe('401 unauthorized: the operator token does not match');
    expect(apiError(() => isOperator('secret', 'secret'))).toBe('401 unauthorized: the Authorization header must be "Bearer <operator token>"');
    expect(apiError(() => isOperator('Bearer secret', undefined))).toBe('401 unauthorized: this server accepts no operator token (KFM_SERVE_TOKEN is not set where it runs)');
  });

  it('anonymous callers see the public labels only', () => {
    expect(['public', 'public_generalized', 'restricted', 'restricted_sensitive_location', 'internal', 'embargoed', 'quarantine'].filter((l) => maySee(l, false))).toEqual(['public', 'public_generalized']);
    expect(maySee('restricted', true)).toBe(true);
  });
});

describe('the answer cache', () => {
  it('computes once per key, shares a pending computation, forgets a failure', async () => {
    const cache = new AnswerCache<number>();
    let calls = 0;
    const compute = async () => ++calls;
    const [a, b] = await Promise.all([cache.get('k1', compute), cache.get('k1', compute)]);
    expect([a, b, calls]).toEqual([1, 1, 1]);
    expect(await cache.get('k2', compute)).toBe(2);
    await expect(cache.get('k3', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await Promise.resolve();
    expect(await cache.get('k3', compute)).toBe(3);
  });

  it('the fingerprint changes when a registry file, the ledger or the state changes, and only then', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kfm-fingerprint-'));
    dirs.push(dir);
    const paths = projectPaths(join(dir, 'kfmfile.ts'));
    mkdirSync(join(dir, 'registry'));
    mkdirSync(paths.kfmDir);
    writeFileSync(join(dir, 'registry', 'a.json'), '{}');
    const first = projectFingerprint(paths);
    expect(projectFingerprint(paths)).toBe(first);
    const seen = new Set([first]);
    for (const change of [() => writeFileSync(join(dir, 'registry', 'a.json'), '{"x":1}'), () => writeFileSync(join(dir, 'registry', 'b.json'), '{}'), () => writeFileSync(join(paths.kfmDir, 'ledger.db-wal'), 'x'), () => writeFileSync(join(paths.kfmDir, 'state.db'), 'x')]) {
      change();
      const now = projectFingerprint(paths);
      expect(seen.has(now)).toBe(false);
      seen.add(now);
    }
  });
});
