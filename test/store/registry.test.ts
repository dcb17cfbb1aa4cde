/**
 * registry/<slug>.json: validated on write and read, written byte-stable (sorted keys, 2-space
 * indent, newline); format v2 (candidate/quarantined/published/superseded), a v1 file upgraded on read.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KfmError } from '../../core/error.js';
import { readRegistry, readStoredRegistry, registeredSlugs, writeRegistry, type DatasetRegistry } from '../../store/registry/datasetRegistry.js';

const D = (c: string) => `sha256:${c.repeat(64)}` as const;

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'kfm-registry-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const registry = (): DatasetRegistry => ({
  kfm_registry_version: 'v2',
  dataset_slug: 'ks',
  title: 'Rows',
  policy_label: 'public',
  spec_hash: D('a'),
  spec_document: { kfm_spec_hash_version: 1, spec: { b: 1, a: 2 }, tasks: [{ name: 't', code: D('c') }] },
  task_code: { t: [['t.ts', D('c')]] },
  versions: [
    { dataset_version_id: '2019.aaaaaaaa', slice: '2019', spec_hash: D('a'), inputs_digest: D('b'), mode: 'new', status: 'published', created_at: '2026-01-01T00:00:00.000Z' },
    { dataset_version_id: '2019.dddddddd', slice: '2019', spec_hash: D('d'), inputs_digest: D('b'), mode: 'reprocess', status: 'candidate', created_at: '2026-01-02T00:00:00.000Z' },
  ],
  latest_version_id: '2019.aaaaaaaa',
});

/** The same registry as a v1 file held it: every version `built`. */
const v1File = (latest: string | null) => ({
  ...registry(),
  kfm_registry_version: 'v1',
  versions: registry().versions.map((v) => ({ ...v, status: 'built' })),
  latest_version_id: latest,
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
    expect(text.startsWith('{\n  "dataset_slug": "ks",\n  "kfm_registry_version": "v2",\n  "latest_version_id": "2019.aaaaaaaa",\n')).toBe(true);
    expect(text).toContain('"spec": {\n      "a": 2,\n      "b": 1\n    },');
    expect(text.endsWith('\n}\n')).toBe(true);
    expect(readRegistry(root, 'ks')).toEqual(registry());
    expect(readRegistry(root, 'other')).toBeUndefined();
    expect(registeredSlugs(root)).toEqual(['ks']);
  });

  it('reads a v1 file upgraded: the latest version published, every other built one a candidate', () => {
    mkdirSync(join(root, 'registry'));
    writeFileSync(join(root, 'registry/ks.json'), JSON.stringify(v1File('2019.aaaaaaaa')));
    expect(readStoredRegistry(root, 'ks')).toEqual({ registry: registry(), format: 'v1' });
    expect(readRegistry(root, 'ks')).toEqual(registry());
    // Which one is published follows latest_version_id; none when it is null.
    writeFileSync(join(root, 'registry/ks.json'), JSON.stringify(v1File('2019.dddddddd')));
    expect(readRegistry(root, 'ks')!.versions.map((v) => v.status)).toEqual(['candidate', 'published']);
    writeFileSync(join(root, 'registry/ks.json'), JSON.stringify(v1File(null)));
    expect(readRegistry(root, 'ks')!.versions.map((v) => v.status)).toEqual(['candidate', 'candidate']);
    // Written back, it is v2; a v2 file reads as it is.
    writeRegistry(root, readRegistry(root, 'ks')!);
    expect(JSON.parse(readFileSync(join(root, 'registry/ks.json'), 'utf8'))).toMatchObject({ kfm_registry_version: 'v2' });
    expect(readStoredRegistry(root, 'ks')!.format).toBe('v2');
  });

  it('refuses a v1 status in a v2 file, and a v2 status in a v1 file', () => {
    mkdirSync(join(root, 'registry'));
    writeFileSync(join(root, 'registry/ks.json'), JSON.stringify({ ...registry(), versions: [{ ...registry().versions[0], status: 'built' }] }));
    expect(thrown(() => readRegistry(root, 'ks')).message).toContain('/versions/0/status must be equal to one of the allowed values ("candidate", "quarantined", "published", "superseded")');
    writeFileSync(join(root, 'registry/ks.json'), JSON.stringify({ ...v1File(null), versions: [{ ...registry().versions[1] }] }));
    expect(thrown(() => readRegistry(root, 'ks')).message).toContain('/versions/0/status must be equal to constant ("built")');
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
