import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../core/canonicalJson.js';
import { sha256, type Digest } from '../../core/digest.js';
import { compareCodePoints } from '../../core/fs.js';
import type { Json, JsonObject } from '../../core/json.js';
import { KEY_FORMAT_VERSION, keyDocumentText, nodeKey } from '../../engine/keys/nodeKey.js';
import { Prng } from '../support/prng.js';

const NUMBERS = [0, -0, 1, -1, 0.1, 0.2 + 0.1, 1e21, 1e-7, -1e21, 123456789012345680000, 5e-324, 1.7976931348623157e308, 2 ** 53 + 2, 1e20, 1e-6, 3.14159];
const KEY_PARTS = ['a', 'b', 'A', 'é', 'e\u0301', '\u{1F600}', '\uFB01', '\u00e9\u{10000}', '', ' ', '\u0000', '\u007f', '"', '\\', '\u2028', '\u{10FFFF}', 'z', '10', '9', '__proto__', 'constructor'];

function randomString(r: Prng): string {
  let s = '';
  const n = r.int(0, 3);
  for (let i = 0; i < n; i++) s += r.pick(KEY_PARTS);
  return s;
}

function randomJson(r: Prng, depth: number): Json {
  const kind = r.int(0, depth > 0 ? 6 : 3);
  switch (kind) {
    case 0:
      return r.pick(NUMBERS);
    case 1:
      return randomString(r);
    case 2:
      return r.pick([true, false, null]);
    case 3:
      return r.next() * 10 ** r.int(-10, 25) * (r.chance(0.5) ? -1 : 1);
    case 4:
    case 5:
      return Array.from({ length: r.int(0, 4) }, () => randomJson(r, depth - 1));
    default:
      return randomObject(r, depth - 1);
  }
}

function randomObject(r: Prng, depth: number): JsonObject {
  const o: JsonObject = {};
  for (let i = r.int(0, 5); i > 0; i--) {
    // defineProperty: `__proto__` must become an own key, as JSON.parse makes it.
    Object.defineProperty(o, randomString(r), { value: randomJson(r, depth), enumerable: true, writable: true, configurable: true });
  }
  return o;
}

function randomDigest(r: Prng): Digest {
  return sha256(String(r.next()));
}

function pairs(r: Prng, prefix: string): [string, Digest][] {
  const names = new Set<string>();
  for (let i = r.int(0, 4); i > 0; i--) names.add(`${prefix}${randomString(r).replace(/[\u0000]/g, '')}/${r.int(0, 99)}.txt`);
  return [...names].sort(compareCodePoints).map((n) => [n, randomDigest(r)]);
}

describe('keyDocumentText', () => {
  it('is canonical JSON (RFC 8785) for random params, inputs and upstreams', () => {
    const r = new Prng(0x6b666d);
    for (let i = 0; i < 2000; i++) {
      const params = randomObject(r, 3);
      const code = pairs(r, 'tasks/');
      const inputs = pairs(r, 'in/');
      const upstream = pairs(r, 'ds_').map(([n, d]): [string, Digest] => [n.replace(/\.txt$/, ''), d]);
      const task = `d${r.int(0, 9)}/t_${r.int(0, 99)}`;
      const text = keyDocumentText(task, JSON.stringify(code), params, inputs, upstream);
      expect(text).toBe(canonicalJson(JSON.parse(text)));
      expect(JSON.parse(text)).toEqual({
        code,
        inputs,
        kfm_key_version: KEY_FORMAT_VERSION,
        params: JSON.parse(canonicalJson(params)),
        task,
        upstream,
      });
      expect(nodeKey(text)).toBe(sha256(text));
    }
  });

  it('writes numbers and keys the RFC 8785 way', () => {
    const params = { '\uFB01': 1, '\u{1F600}': 2, b: [-0, 1e21, 0.1, 1e-7, 5e-324], a: { 'e\u0301': 0.30000000000000004, é: 100 } };
    const text = keyDocumentText('d/t', '[]', params, [], []);
    expect(text).toBe(
      '{"code":[],"inputs":[],"kfm_key_version":1,"params":{"a":{"e\u0301":0.30000000000000004,"é":100},"b":[0,1e+21,0.1,1e-7,5e-324],"\u{1F600}":2,"\uFB01":1},"task":"d/t","upstream":[]}',
    );
    expect(text).toBe(canonicalJson(JSON.parse(text)));
  });

  it('the key does not depend on the order params were written in', () => {
    const a = keyDocumentText('d/t', '[]', { x: 1, y: { p: [1, 2], q: null } }, [], []);
    const b = keyDocumentText('d/t', '[]', { y: { q: null, p: [1, 2] }, x: 1 }, [], []);
    expect(a).toBe(b);
    expect(keyDocumentText('d/t', '[]', {}, [], [])).toBe(canonicalJson({ code: [], inputs: [], kfm_key_version: KEY_FORMAT_VERSION, params: {}, task: 'd/t', upstream: [] }));
  });
});
