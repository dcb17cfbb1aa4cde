import { describe, expect, it } from 'vitest';
import {
  hasSecretRefs,
  isSecretRef,
  looksLikeCredential,
  resolveSecret,
  resolveSecrets,
  secretRef,
  SecretResolutionError,
  type SecretSource,
} from '../../core/secretRef.js';
import { hideUserinfo, redactHeaders, redactQuery, redactUrl } from '../../core/redactSecrets.js';

const source = (env: Record<string, string>, files: Record<string, string> = {}): SecretSource => ({
  env,
  readFile: (p) => {
    const text = files[p];
    if (text === undefined) throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
    return text;
  },
});

describe('secret references', () => {
  it('are { $secret: NAME } and nothing else', () => {
    expect(secretRef('KS_API_TOKEN')).toEqual({ $secret: 'KS_API_TOKEN' });
    expect(isSecretRef({ $secret: 'A' })).toBe(true);
    expect(isSecretRef({ $secret: 'A', other: 1 })).toBe(false);
    expect(isSecretRef({ $secret: 1 })).toBe(false);
    expect(isSecretRef(['A'])).toBe(false);
    expect(hasSecretRefs({ a: [1, { b: { $secret: 'X' } }] })).toBe(true);
    expect(hasSecretRefs({ a: [1, { b: 'x' }] })).toBe(false);
  });

  it('names that look like credentials, case-insensitively by substring', () => {
    for (const name of ['Authorization', 'X-Api-Key', 'Private-Token', 'client_secret', 'access_key', 'PASSWORD', 'X-Amz-Signature', 'credentials', 'sessionid']) {
      expect([name, looksLikeCredential(name)]).toEqual([name, true]);
    }
    for (const name of ['Accept', 'year', 'user', 'format']) expect([name, looksLikeCredential(name)]).toEqual([name, false]);
  });

  it('resolve from the environment, else from <NAME>_FILE with one trailing newline trimmed', () => {
    expect(resolveSecret('T', source({ T: 'v1', T_FILE: '/f' }, { '/f': 'v2' }))).toBe('v1');
    expect(resolveSecret('T', source({ T_FILE: '/f' }, { '/f': 'v2\n' }))).toBe('v2');
    expect(resolveSecret('T', source({ T_FILE: '/f' }, { '/f': 'v2\r\n' }))).toBe('v2');
    expect(resolveSecret('T', source({ T_FILE: '/f' }, { '/f': 'v2\n\n' }))).toBe('v2\n');
    expect(resolveSecret('T', source({ T: '', T_FILE: '/f' }, { '/f': 'v3' }))).toBe('v3');
  });

  it('fail naming the reference, never a value', () => {
    const fails = (name: string, s: SecretSource) => {
      try {
        resolveSecret(name, s);
      } catch (e) {
        expect(e).toBeInstanceOf(SecretResolutionError);
        return (e as Error).message;
      }
      throw new Error('resolved');
    };
    expect(fails('T', source({}))).toBe("secret('T') is not set: set the environment variable T or T_FILE (a file holding it)");
    expect(fails('T', source({ T_FILE: '/nope' }))).toBe("secret('T'): cannot read T_FILE (/nope): no such file");
    expect(fails('T', source({ T_FILE: '/f' }, { '/f': '\n' }))).toBe("secret('T'): the file named by T_FILE (/f) is empty");
    expect(fails('not-a-name', source({ 'not-a-name': 'v' }))).toBe('secret("not-a-name") is not a valid secret name');
  });

  it('resolve everywhere in params, each name once', () => {
    let reads = 0;
    const s: SecretSource = { env: { B_FILE: '/b', A: 'va' }, readFile: () => (reads++, 'vb\n') };
    const r = resolveSecrets({ a: { $secret: 'A' }, list: [{ $secret: 'B' }, { deep: { $secret: 'B' } }], n: 1 }, s);
    expect(r.params).toEqual({ a: 'va', list: ['vb', { deep: 'vb' }], n: 1 });
    expect([...r.values]).toEqual([['A', 'va'], ['B', 'vb']]);
    expect(reads).toBe(1);
  });
});

describe('redaction of records', () => {
  it('keeps references, redacts credential literals by name', () => {
    expect(redactHeaders({ Authorization: { $secret: 'AUTH' }, 'Private-Token': 'x', Accept: 'text/csv' })).toEqual({
      authorization: { $secret: 'AUTH' },
      'private-token': 'REDACTED',
      accept: 'text/csv',
    });
    expect(redactQuery({ token: { $secret: 'T' }, client_secret: 'x', year: '2019' })).toEqual({
      token: { $secret: 'T' },
      client_secret: 'REDACTED',
      year: '2019',
    });
    expect(redactUrl('https://h/x?client_secret=a&access_key=b&year=1')).toBe('https://h/x?client_secret=REDACTED&access_key=REDACTED&year=1');
  });

  it('hides userinfo as ***', () => {
    expect(hideUserinfo('https://user:pw@example.org/x?y=1')).toBe('https://***@example.org/x?y=1');
    expect(hideUserinfo('https://example.org/a@b')).toBe('https://example.org/a@b');
  });
});
