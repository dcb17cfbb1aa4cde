import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KfmError } from '../../../core/error.js';
import type { Json } from '../../../core/json.js';
import type { ResultStore } from '../../../store/state/resultStore.js';
import { digest, result, resultStores } from './stateSubjects.js';
import { usePostgres } from './postgresSubjects.js';

usePostgres();

describe.each(resultStores)('ResultStore contract: $name', (impl) => {
  let store: ResultStore;
  let close: () => unknown;

  beforeEach(() => {
    const opened = impl.open();
    store = opened.impl;
    close = opened.close;
  });
  afterEach(() => close());

  it('stores a result under its key (duration rounded) and misses an unknown key', async () => {
    expect(await store.resultByKey(digest('1'))).toBeUndefined();
    await store.putResult(result('a/x', digest('1')));
    expect(await store.resultByKey(digest('1'))).toEqual({ ...result('a/x', digest('1')), durationMs: 13 });
    expect(await store.resultByKey(digest('9'))).toBeUndefined();
  });

  it('hands out copies: changing a result read or put changes nothing stored', async () => {
    const r = result('a/x', digest('1'));
    await store.putResult(r);
    r.outputs[0]!.name = 'changed';
    const read = (await store.resultByKey(digest('1')))!;
    (read.meta as { rows: number }).rows = 99;
    expect(await store.resultByKey(digest('1'))).toEqual({ ...result('a/x', digest('1')), durationMs: 13 });
  });

  it('tracks the latest result per node: the last put, or the key setLatest names', async () => {
    await store.putResult(result('a/x', digest('1')));
    await store.putResult(result('a/x', digest('2')));
    await store.putResult(result('a/y', digest('3')));
    let latest = await store.latestResults();
    expect([...latest].map(([id, r]) => [id, r.key])).toEqual([
      ['a/x', digest('2')],
      ['a/y', digest('3')],
    ]);
    // A cache hit on an older key makes it the latest again; the newer result stays stored.
    await store.setLatest('a/x', digest('1'));
    latest = await store.latestResults();
    expect(latest.get('a/x')).toEqual({ ...result('a/x', digest('1')), durationMs: 13 });
    expect((await store.resultByKey(digest('2')))?.key).toBe(digest('2'));
  });

  it('lists latest results in code-point order of node id', async () => {
    for (const [id, c] of [['b/z', '1'], ['B/a', '2'], ['a/é', '3'], ['a/e', '4']] as const) await store.putResult(result(id, digest(c)));
    expect([...(await store.latestResults()).keys()]).toEqual(['B/a', 'a/e', 'a/é', 'b/z']);
  });

  it('refuses to make an unknown key the latest, leaving the latest as it was', async () => {
    await store.putResult(result('a/x', digest('1')));
    let thrown: unknown;
    try {
      await store.setLatest('a/x', digest('9'));
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(KfmError);
    expect({ code: (thrown as KfmError).code, message: (thrown as KfmError).message }).toEqual({
      code: 'state',
      message: `cannot make ${digest('9')} the latest result of a/x: no result is stored under that key`,
    });
    expect((await store.latestResults()).get('a/x')?.key).toBe(digest('1'));
  });

  it('a second put under a key replaces the first', async () => {
    await store.putResult(result('a/x', digest('1'), { meta: { rows: 1 } }));
    await store.putResult(result('a/x', digest('1'), { meta: { rows: 2 } }));
    expect((await store.resultByKey(digest('1')))?.meta).toEqual({ rows: 2 });
    expect((await store.latestResults()).size).toBe(1);
  });

  it('putResults: a node or a key twice in one group keeps the later record, as puts one after another would', async () => {
    await store.putResults([
      result('a/x', digest('1'), { runId: 'first' }),
      result('a/x', digest('2')),
      result('a/y', digest('1'), { runId: 'second' }),
    ]);
    expect((await store.resultByKey(digest('1')))?.runId).toBe('second');
    expect((await store.resultByKey(digest('1')))?.nodeId).toBe('a/y');
    const latest = await store.latestResults();
    expect([...latest].map(([id, r]) => [id, r.key])).toEqual([
      ['a/x', digest('2')],
      ['a/y', digest('1')],
    ]);
  });

  it('putResults stores all or none', async () => {
    await store.putResults([result('a/x', digest('1')), result('a/y', digest('2'))]);
    expect([...(await store.latestResults()).keys()]).toEqual(['a/x', 'a/y']);
    // A result that cannot be stored (meta that is not JSON) fails the whole batch.
    const bad = result('a/z', digest('4'), { meta: { n: 1n } as unknown as Json });
    let failed = false;
    try {
      await store.putResults([result('a/x', digest('3')), bad]);
    } catch {
      failed = true;
    }
    expect(failed).toBe(true);
    expect(await store.resultByKey(digest('3'))).toBeUndefined();
    expect((await store.latestResults()).get('a/x')?.key).toBe(digest('1'));
    expect((await store.latestResults()).has('a/z')).toBe(false);
  });
});
