/** kfm gc's pure rules: which digests a record names, and which versions --keep-last retains. */
import { describe, expect, it } from 'vitest';
import type { Digest } from '../../core/digest.js';
import { digestsNamedIn } from '../../engine/gc/digestsNamedIn.js';
import { retainedVersions } from '../../engine/gc/retainedVersions.js';
import type { DatasetRegistry, RegistryVersion } from '../../store/registry/datasetRegistry.js';

const hex = (c: string) => c.repeat(64);

describe('digestsNamedIn', () => {
  it('finds digests in any field, inside URIs and in in-toto digest sets, at any depth', () => {
    const record = {
      outputs: [{ digest: `sha256:${hex('a')}` }],
      nested: { deeper: [[`kfm://artifact/sha256:${hex('b')}`]] },
      subject: [{ name: 'x', digest: { sha256: hex('c') } }],
      note: `two: sha256:${hex('d')} and sha256:${hex('e')}`,
      not: ['sha256:short', { sha256: 'nothex' }, 42, null, true, `SHA256:${hex('f')}`],
    };
    expect([...digestsNamedIn(record, new Set<Digest>())].sort()).toEqual(['a', 'b', 'c', 'd', 'e'].map((c) => `sha256:${hex(c)}`));
  });
});

const version = (dvid: string, status: RegistryVersion['status']): RegistryVersion => ({
  dataset_version_id: dvid,
  slice: '2019',
  spec_hash: `sha256:${hex('0')}`,
  inputs_digest: `sha256:${hex('0')}`,
  mode: 'new',
  status,
});

const registry = (latest: string | null, versions: RegistryVersion[]): DatasetRegistry =>
  ({ dataset_slug: 'ks', latest_version_id: latest, versions }) as unknown as DatasetRegistry;

describe('retainedVersions', () => {
  const r = registry('v1', [version('v1', 'published'), version('v2', 'superseded'), version('v3', 'quarantined'), version('v4', 'candidate'), version('v5', 'superseded')]);
  const seqs = new Map([['ks@v1', 1], ['ks@v2', 3], ['ks@v3', 5], ['ks@v4', 7], ['ks@v5', 9]]);

  it('retains everything without --keep-last', () => {
    expect(retainedVersions([r], seqs, undefined).every((v) => v.retained && v.why === 'all')).toBe(true);
  });

  it('keeps the n most recent by ledger order, the latest and every candidate or published version; drops only the rest', () => {
    expect(retainedVersions([r], seqs, 1).map((v) => [v.dataset_version_id, v.why])).toEqual([['v1', 'latest'], ['v2', 'dropped'], ['v3', 'dropped'], ['v4', 'status'], ['v5', 'recent']]);
    expect(retainedVersions([r], seqs, 3).map((v) => [v.dataset_version_id, v.why])).toEqual([['v1', 'latest'], ['v2', 'dropped'], ['v3', 'recent'], ['v4', 'status'], ['v5', 'recent']]);
  });

  it('orders by the ledger, not the registry; a version with no ledger entry counts as newest', () => {
    const shuffled = registry(null, [version('late', 'superseded'), version('early', 'superseded'), version('unsigned', 'superseded')]);
    const order = new Map([['ks@late', 8], ['ks@early', 2]]);
    expect(retainedVersions([shuffled], order, 1).map((v) => [v.dataset_version_id, v.why])).toEqual([['early', 'dropped'], ['late', 'dropped'], ['unsigned', 'recent']]);
  });
});
