/** `.kfm/anchors.json`: a ledger's own anchors, set once per version and ledger; a damaged file is a located error. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Digest } from '../../core/digest.js';
import { KfmError } from '../../core/error.js';
import { addLocalAnchors, readLocalAnchors } from '../../store/ledger/localAnchors.js';
import { schemaValidator } from '../../store/schemaValidator.js';

const D = (c: string): Digest => `sha256:${c.repeat(64)}`;
const anchor = (dvid: string, seq: number, ledger = D('1')) => ({ dataset_slug: 'ks', dataset_version_id: dvid, ledger_id: ledger, seq, entry_hash: D(String(seq)) });

describe('local anchors', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kfm-anchors-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('none without a file; added once per version and ledger, kept by seq, valid against the schema', () => {
    expect(readLocalAnchors(dir)).toEqual([]);
    expect(addLocalAnchors(dir, [anchor('2019.b', 4)])).toHaveLength(1);
    expect(addLocalAnchors(dir, [anchor('2019.a', 2), anchor('2019.b', 6)])).toEqual([anchor('2019.a', 2)]);
    expect(addLocalAnchors(dir, [anchor('2019.b', 9, D('2'))])).toHaveLength(1);
    expect(readLocalAnchors(dir)).toEqual([anchor('2019.a', 2), anchor('2019.b', 4), anchor('2019.b', 9, D('2'))]);
    const file = JSON.parse(readFileSync(join(dir, 'anchors.json'), 'utf8')) as unknown;
    expect(schemaValidator('local-anchors')(file)).toEqual([]);
    const before = readFileSync(join(dir, 'anchors.json'));
    expect(addLocalAnchors(dir, [anchor('2019.a', 7)])).toEqual([]);
    expect(readFileSync(join(dir, 'anchors.json'))).toEqual(before);
  });

  it('a file that is not JSON or fails its schema is a KfmError naming it', () => {
    writeFileSync(join(dir, 'anchors.json'), '{"kfm_local');
    expect(() => readLocalAnchors(dir)).toThrow(KfmError);
    expect(() => readLocalAnchors(dir)).toThrow(new RegExp(`^${join(dir, 'anchors.json')} is not JSON`));
    writeFileSync(join(dir, 'anchors.json'), '{"kfm_local_anchors_version":"v1","anchors":[{"seq":1}]}');
    expect(() => readLocalAnchors(dir)).toThrow(/does not match schemas\/local-anchors.schema.json: \/anchors\/0 must have required property/);
    expect(() => addLocalAnchors(dir, [anchor('2019.a', 1)])).toThrow(KfmError);
  });
});
