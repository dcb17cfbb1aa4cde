import { describe, expect, it } from 'vitest';
import type { Digest } from '../../core/digest.js';
import type { DirtyReason } from '../../engine/keys/dirtyReason.js';
import { checkCache, type CacheSources } from '../../engine/schedule/cacheCheck.js';
import type { NodeResult } from '../../store/state.js';

const D = (c: string) => `sha256:${c.repeat(64)}` as Digest;

function result(key: Digest, upstream: [string, Digest][] = []): NodeResult {
  return {
    nodeId: 'a/x',
    key,
    keyDoc: JSON.stringify({ upstream }),
    outputs: [{ name: 'out.txt', digest: D('e'), size: 3, media_type: 'text/plain' }],
    outputsDigest: D('f'),
    meta: null,
    runId: 'r0',
    finishedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 0,
  };
}

/** Sources over a map of latest results and a map of results by key; records every lookup by key. */
function sources(options: { latest?: NodeResult; byKey?: NodeResult[]; missing?: DirtyReason; upstream?: Record<string, Digest> } = {}) {
  const lookups: Digest[] = [];
  const s: CacheSources = {
    latest: new Map(options.latest ? [['a/x', options.latest]] : []),
    resultByKey(key) {
      lookups.push(key);
      return options.byKey?.find((r) => r.key === key);
    },
    missingOutput: () => options.missing,
    upstreamDigest: (d) => options.upstream?.[d] ?? D('0'),
  };
  return { s, lookups };
}

const node = (key: Digest, over: { always?: boolean; assessed?: DirtyReason } = {}) => ({ id: 'a/x', key, always: over.always ?? false, assessed: over.assessed });

describe('checkCache', () => {
  it('is cached when the latest result has the key and its outputs are present (no lookup by key)', () => {
    const latest = result(D('1'));
    const { s, lookups } = sources({ latest });
    expect(checkCache(node(D('1')), s)).toEqual({ type: 'cached', result: latest, becomesLatest: false });
    expect(lookups).toEqual([]);
  });

  it('is cached by an older result under the same key (a change undone), which becomes the latest', () => {
    const older = result(D('2'));
    const { s, lookups } = sources({ latest: result(D('1')), byKey: [older] });
    expect(checkCache(node(D('2')), s)).toEqual({ type: 'cached', result: older, becomesLatest: true });
    expect(lookups).toEqual([D('2')]);
  });

  it('a node that never succeeded is not looked up by key', () => {
    const { s, lookups } = sources();
    expect(checkCache(node(D('1')), s)).toEqual({ type: 'dirty', reason: { type: 'no-previous-run' } });
    expect(lookups).toEqual([]);
  });

  it('an always node runs without any lookup', () => {
    const { s, lookups } = sources({ latest: result(D('1')) });
    expect(checkCache(node(D('1'), { always: true }), s)).toEqual({ type: 'dirty', reason: { type: 'always' } });
    expect(lookups).toEqual([]);
  });

  it('a hit with a missing output object runs, saying which', () => {
    const missing: DirtyReason = { type: 'output-missing', output: 'out.txt', digest: D('e') };
    const { s } = sources({ latest: result(D('1')), missing });
    expect(checkCache(node(D('1'), { assessed: { type: 'clean' } }), s)).toEqual({ type: 'dirty', reason: missing });
  });

  it('a miss gives the assessed reason', () => {
    const assessed: DirtyReason = { type: 'param-changed', pointer: '/n', old: 1, new: 2 };
    const { s } = sources({ latest: result(D('1')) });
    expect(checkCache(node(D('9'), { assessed }), s)).toEqual({ type: 'dirty', reason: assessed });
  });

  it('a miss assessed as upstream-pending names the upstream digests: the one in the previous key, the one settled now', () => {
    const { s } = sources({ latest: result(D('1'), [['a/up', D('3')]]), upstream: { 'a/up': D('4') } });
    expect(checkCache(node(D('9'), { assessed: { type: 'upstream-pending', upstream: 'a/up' } }), s)).toEqual({
      type: 'dirty',
      reason: { type: 'upstream-changed', upstream: 'a/up', old: D('3'), new: D('4') },
    });
    // An upstream the previous key did not have: old is null.
    const { s: t } = sources({ latest: result(D('1')), upstream: { 'a/new': D('5') } });
    expect(checkCache(node(D('9'), { assessed: { type: 'upstream-pending', upstream: 'a/new' } }), t)).toEqual({
      type: 'dirty',
      reason: { type: 'upstream-changed', upstream: 'a/new', old: null, new: D('5') },
    });
  });
});
