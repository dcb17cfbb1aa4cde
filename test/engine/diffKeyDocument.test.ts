/** Why a node reruns, from its stored and current key documents. */
import { describe, expect, it } from 'vitest';
import type { Digest } from '../../core/digest.js';
import type { JsonObject } from '../../core/json.js';
import { describeReason } from '../../engine/keys/describeReason.js';
import { diffKeyDocument } from '../../engine/keys/diffKeyDocument.js';
import { KEY_FORMAT_VERSION, type KeyDocument } from '../../engine/keys/nodeKey.js';
import { specChanges } from '../../engine/versions/specChanges.js';

const D = (c: string): Digest => `sha256:${c.repeat(64)}`;

function doc(params: JsonObject, parts: Partial<KeyDocument> = {}): KeyDocument {
  return { code: [], inputs: [], kfm_key_version: KEY_FORMAT_VERSION, params, task: 'd/t', upstream: [], ...parts };
}

describe('diffKeyDocument', () => {
  it('names each added or removed array element of params at its own pointer', () => {
    const grown = diffKeyDocument(doc({ p: [1, 2, 3] }), doc({ p: [1, 2, 3, 4] }));
    expect(grown).toStrictEqual([{ type: 'param-changed', pointer: '/p/3', new: 4 }]);
    expect(grown.map(describeReason)).toEqual(['param /p/3 added (4)']);

    const shrunk = diffKeyDocument(doc({ p: [1, 2, 3, 4] }), doc({ p: [1, 9] }));
    expect(shrunk).toStrictEqual([
      { type: 'param-changed', pointer: '/p/1', old: 2, new: 9 },
      { type: 'param-changed', pointer: '/p/2', old: 3 },
      { type: 'param-changed', pointer: '/p/3', old: 4 },
    ]);
    expect(shrunk.map(describeReason)).toEqual(['param /p/1 changed: 2 → 9', 'param /p/2 removed (was 3)', 'param /p/3 removed (was 4)']);
  });

  it('gives the same pointers as the spec diff for the same change of a task', () => {
    const task = (params: JsonObject) => ({ tasks: [{ name: 'clean', params }] });
    const before = { p: ['a'], q: { r: 1 } };
    const after = { p: ['a', 'b', 'c'], q: {} };
    const fromKeys = diffKeyDocument(doc(before), doc(after)).map((r) => (r.type === 'param-changed' ? r.pointer : r.type));
    const fromSpec = specChanges({ document: task(before) }, { document: task(after) }).map((c) => c.pointer.replace('/tasks/0/params', ''));
    expect(fromKeys).toEqual(['/p/1', '/p/2', '/q/r']);
    expect(fromSpec).toEqual(fromKeys);
  });

  it('code files, inputs and upstreams by label in code-point order, null for an absent side', () => {
    const old = doc({}, { code: [['b.ts', D('1')], ['a.ts', D('1')]], inputs: [['x.csv', D('2')]], upstream: [['u/a', D('3')]] });
    const now = doc({}, { code: [['a.ts', D('4')], ['c.ts', D('5')]], inputs: [['x.csv', D('2')]], upstream: [] });
    expect(diffKeyDocument(old, now)).toEqual([
      { type: 'code-changed', file: 'a.ts', old: D('1'), new: D('4') },
      { type: 'code-changed', file: 'b.ts', old: D('1'), new: null },
      { type: 'code-changed', file: 'c.ts', old: null, new: D('5') },
      { type: 'upstream-changed', upstream: 'u/a', old: D('3'), new: null },
    ]);
  });
});
