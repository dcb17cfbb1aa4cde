import { describe, expect, it } from 'vitest';
import { SecretScrubber } from '../../engine/schedule/secretScrubber.js';
import { literalCredential } from '../../engine/graph/literalCredentials.js';
import { executeJob } from '../../engine/schedule/executeJob.js';
import type { TaskJob, TaskMessage } from '../../engine/schedule/job.js';
import type { TaskFunction } from '../../engine/schedule/taskContext.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('SecretScrubber', () => {
  const s = new SecretScrubber(new Map([['TOKEN', 'abc'], ['LONG', 'abc def/+']]));

  it('replaces each value, longest first, also URL-encoded', () => {
    expect(s.text('t=abc; l=abc def/+; e=abc%20def%2F%2B; f=abc+def%2F%2B')).toBe(
      't=[secret:TOKEN]; l=[secret:LONG]; e=[secret:LONG]; f=[secret:LONG]',
    );
  });

  it('scrubs log lines, progress units, failures and JSON', () => {
    expect(s.message({ type: 'log', level: 'info', message: 'using abc' })).toEqual({ type: 'log', level: 'info', message: 'using [secret:TOKEN]' });
    expect(s.message({ type: 'progress', done: 1, unit: 'abc' })).toEqual({ type: 'progress', done: 1, unit: '[secret:TOKEN]' });
    expect(s.failure({ message: 'bad abc', location: 't.ts:1:1', stack: 'Error: bad abc\n  at t' })).toEqual({
      message: 'bad [secret:TOKEN]',
      location: 't.ts:1:1',
      stack: 'Error: bad [secret:TOKEN]\n  at t',
    });
    expect(s.json({ abc: ['abc', 1, { k: 'xabcx' }] })).toEqual({ '[secret:TOKEN]': ['[secret:TOKEN]', 1, { k: 'x[secret:TOKEN]x' }] });
  });
});

describe('executeJob and secrets', () => {
  const job = (params: TaskJob['params'], scratch: string): TaskJob => ({
    nodeId: 'a/x',
    root: scratch,
    codeDigest: 'sha256:' + '0'.repeat(64),
    dataset: 'a',
    task: 'x',
    modulePath: join(scratch, 't.js'),
    params,
    inputs: [],
    upstream: {},
    scratchDir: join(scratch, 'scratch'),
    store: { kind: 'local', root: join(scratch, 'store'), durability: 'deferred' },
    previous: null,
  });

  it('gives the task resolved params and declared params, and scrubs what crosses back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kfm-secret-job-'));
    process.env['KFM_TEST_SECRET_X'] = 'sekret-value-1';
    try {
      const seen: unknown[] = [];
      const fn: TaskFunction = async (ctx) => {
        seen.push(ctx.params, ctx.declaredParams);
        ctx.log.warn(`token ${String(ctx.params['token'])}`);
        ctx.setMeta({ echoed: String(ctx.params['token']) });
      };
      const messages: TaskMessage[] = [];
      const outcome = await executeJob(job({ token: { $secret: 'KFM_TEST_SECRET_X' } }, dir), (m) => messages.push(m), new AbortController().signal, async () => fn);
      expect(seen).toEqual([{ token: 'sekret-value-1' }, { token: { $secret: 'KFM_TEST_SECRET_X' } }]);
      expect(messages).toContainEqual({ type: 'log', level: 'warn', message: 'token [secret:KFM_TEST_SECRET_X]' });
      expect(outcome).toEqual({ ok: true, outputs: [], meta: { echoed: '[secret:KFM_TEST_SECRET_X]' } });

      const thrower: TaskFunction = async (ctx) => {
        throw new Error(`rejected ${String(ctx.params['token'])}`);
      };
      const failed = await executeJob(job({ token: { $secret: 'KFM_TEST_SECRET_X' } }, dir), () => {}, new AbortController().signal, async () => thrower);
      expect(failed.ok).toBe(false);
      if (!failed.ok) {
        expect(failed.error.message).toBe('rejected [secret:KFM_TEST_SECRET_X]');
        expect(failed.error.stack).not.toContain('sekret-value-1');
      }

      delete process.env['KFM_TEST_SECRET_X'];
      const missing = await executeJob(job({ token: { $secret: 'KFM_TEST_SECRET_X' } }, dir), () => {}, new AbortController().signal, async () => fn);
      expect(missing).toEqual({
        ok: false,
        error: { message: "secret('KFM_TEST_SECRET_X') is not set: set the environment variable KFM_TEST_SECRET_X or KFM_TEST_SECRET_X_FILE (a file holding it)" },
      });
    } finally {
      delete process.env['KFM_TEST_SECRET_X'];
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('literalCredential', () => {
  it('accepts references and non-credential literals', () => {
    expect(literalCredential('a/f', 'kfm:ingest', { source: 'https://h/x?year=1', headers: { Accept: 'a', Authorization: { $secret: 'A' } }, query: { token: { $secret: 'T' } } })).toBeNull();
    expect(literalCredential('a/x', './t.ts', { db: { password: { $secret: 'P' }, max_keys: 3 }, note: 'token=kept' })).toBeNull();
  });

  it('names the first literal credential, never its value', () => {
    expect(literalCredential('a/x', './t.ts', { list: [{ api_key: 'v' }] })).toBe(`param "api_key" of task "a/x" (at /list/0/api_key) is a literal credential: use secret('API_KEY') instead`);
    expect(literalCredential('a/x', './t.ts', { tokens: ['v'] })).toBe(`param "tokens" of task "a/x" (at /tokens) is a literal credential: use secret('TOKENS') instead`);
    expect(literalCredential('a/x', './t.ts', { p: { $secret: 'bad name' } })).toBe(`secret("bad name") in param /p of task "a/x" is not a valid name: it must match ^[A-Za-z_][A-Za-z0-9_]*$`);
    expect(literalCredential('a/x', './t.ts', { p: { $secret: 'A', x: 1 } })).toBe(`param /p of task "a/x" has a "$secret" key but is not a secret('NAME') reference`);
    expect(literalCredential('a/f', 'kfm:ingest', { source: 'https://u:v@h/x' })).toBe(
      `the source URL of task "a/f" has credentials in it (https://***@h/x): use headers: { Authorization: secret('NAME') } instead`,
    );
  });
});
