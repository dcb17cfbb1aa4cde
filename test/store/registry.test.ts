/** registry/<slug>.json: validated on write and read, written byte-stable (sorted keys, 2-space indent, newline). */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KfmError } from '../../core/error.js';
import { readRegistry, registeredSlugs, writeRegistry, type DatasetRegistry } from '../../store/registry/datasetRegistry.js';

const D = (c: string) => `sha256:${c.repeat(64)}` as const;

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'kfm-registry-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const registry = (): DatasetRegistry => ({
  kfm_registry_version: 'v1',
  dataset_slug: 'ks',
  title: 'Rows',
  policy_label: 'public',
  spec_hash: D('a'),
  spec_document: { kfm_spec_hash_version: 1, spec: { b: 1, a: 2 }, tasks: [{ name: 't', code: D('c') }] },
  task_code: { t: [['t.ts', D('c')]] },
  versions: [{ dataset_version_id: '2019.aaaaaaaa', slice: '2019', spec_hash: D('a'), inputs_digest: D('b'), mode: 'new', status: 'built', created_at: '2026-01-01T00:00:00.000Z' }],
  latest_version_id: '2019.aaaaaaaa',
});

function thrown(f: () => unknown): KfmError {
  try {
    f();
  } catch (e) {
    return e as KfmError;
  }
  throw new Error('did not throw');
}

describe('the registry file', () => {
  it('is written with sorted keys, 2-space indent and a trailing newline, and reads back', () => {
    writeRegistry(root, registry());
    const text = readFileSync(join(root, 'registry/ks.json'), 'utf8');
    expect(text.startsWith('{\n  "dataset_slug": "ks",\n  "kfm_registry_version": "v1",\n  "latest_version_id": "2019.aaaaaaaa",\n')).toBe(true);
    expect(text).toContain('"spec": {\n      "a": 2,\n      "b": 1\n    },');
    expect(text.endsWith('\n}\n')).toBe(true);
    expect(readRegistry(root, 'ks')).toEqual(registry());
    expect(readRegistry(root, 'other')).toBeUndefined();
    expect(registeredSlugs(root)).toEqual(['ks']);
  });

  it('refuses to write what its schema rejects', () => {
    const bad = { ...registry(), latest_version_id: 'latest' };
    const e = thrown(() => writeRegistry(root, bad));
    expect(e.message).toMatch(/^internal: the registry of ks would not match its schema: \/latest_version_id /);
  });

  it('refuses to read a file that is not JSON, fails the schema or names another dataset, naming the file', () => {
    mkdirSync(join(root, 'registry'));
    const cases: [string, string][] = [
      ['{', 'not JSON: '],
      [JSON.stringify({ ...registry(), versions: [{ ...registry().versions[0], mode: 'retry' }] }), 'does not match schemas/registry.schema.json: /versions/0/mode must be equal to one of the allowed values ("new", "reprocess", "backfill")'],
      [JSON.stringify({ ...registry(), extra: 1 }), 'does not match schemas/registry.schema.json: / must NOT have additional properties (extra)'],
      [JSON.stringify({ ...registry(), dataset_slug: 'other' }), 'names dataset "other", not "ks"'],
    ];
    for (const [text, message] of cases) {
      writeFileSync(join(root, 'registry/ks.json'), text);
      const e = thrown(() => readRegistry(root, 'ks'));
      expect(e).toBeInstanceOf(KfmError);
      expect(e.code).toBe('kfmfile');
      expect(e.location).toEqual({ file: 'registry/ks.json' });
      expect(e.message.startsWith(message), e.message).toBe(true);
    }
  });
});
