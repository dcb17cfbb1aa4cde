/** A clone's rerun decision against the committed registry (recordedVersion), and anchor checks by ledger (checkAnchor), as pure functions. */
import { describe, expect, it } from 'vitest';
import type { Digest } from '../../core/digest.js';
import { decideAgainstRegistry, sliceVersions } from '../../engine/versions/recordedVersion.js';
import type { VersionFacts } from '../../engine/versions/rerunMode.js';
import { datasetVersionId } from '../../core/datasetVersionId.js';
import { anchoredLedger, checkAnchor, checkLocalAnchors, isLocalAnchor } from '../../engine/receipts/checkAnchor.js';
import type { LedgerEntry } from '../../store/ledger/ledger.js';
import type { RegistryVersion } from '../../store/registry/datasetRegistry.js';
import type { VersionRecord } from '../../store/state.js';

const D = (c: string): Digest => `sha256:${c.repeat(64)}`;
const facts: VersionFacts = { slug: 'ks', slice: '2019', specHash: D('a'), inputsDigest: D('b'), document: {}, taskCode: {}, rawInputs: [] };
const listed = (dvid: string, mode: RegistryVersion['mode'], over: Partial<RegistryVersion> = {}): RegistryVersion => ({
  dataset_version_id: dvid,
  slice: '2019',
  spec_hash: D('a'),
  inputs_digest: D('b'),
  mode,
  status: 'candidate',
  ...over,
});
const decide = (known: VersionRecord[], recorded: RegistryVersion[] | undefined) => decideAgainstRegistry(facts, known, recorded).decision;

describe('decideAgainstRegistry', () => {
  it('a clone builds the version the registry records with these facts: its dvid and creating mode', () => {
    const d = decide([], [listed('2019.11111111', 'new', { spec_hash: D('9') }), listed('2019.aaaaaaaa.bbbbbbbb', 'backfill')]);
    expect(d).toMatchObject({ mode: 'backfill', datasetVersionId: '2019.aaaaaaaa.bbbbbbbb', basis: undefined });
    expect(d.reason).toBe('registry/ks.json records 2019.aaaaaaaa.bbbbbbbb (a backfill) with this spec and these raw inputs, recorded by another checkout');
    expect(decide([], [listed('2019.aaaaaaaa', 'reprocess')]).mode).toBe('reprocess');
  });

  it('other inputs under a recorded spec are a backfill of the recorded version (never its dvid); another spec a reprocess', () => {
    const newDvid = datasetVersionId('2019', D('a'));
    const backfill = decide([], [listed(newDvid, 'new', { inputs_digest: D('c') })]);
    expect(backfill).toMatchObject({ mode: 'backfill', datasetVersionId: datasetVersionId('2019', D('a'), D('b')) });
    expect(backfill.basis?.datasetVersionId).toBe(newDvid);
    expect(backfill.datasetVersionId).not.toBe(newDvid);
    expect(decide([], [listed('2019.99999999', 'new', { spec_hash: D('9') })])).toMatchObject({ mode: 'reprocess', datasetVersionId: newDvid });
    // A slice the registry has no version of: new, as without a registry.
    expect(decide([], [listed('2020.x', 'new', { slice: '2020' })])).toMatchObject({ mode: 'new', datasetVersionId: newDvid });
    expect(decide([], undefined)).toMatchObject({ mode: 'new', datasetVersionId: newDvid });
  });

  it('a version the state knows is a retry, with the state record as its basis', () => {
    const known = { datasetVersionId: '2019.x', datasetSlug: 'ks', slice: '2019', specHash: D('a'), inputsDigest: D('b'), outputsDigest: D('e'), runId: 'r', createdAt: 't', mode: 'new' } as VersionRecord;
    const d = decide([known], [listed('2019.x', 'new')]);
    expect(d).toMatchObject({ mode: 'retry', datasetVersionId: '2019.x' });
    expect(d.basis).toBe(known);
  });

  it('sliceVersions: the registry order, state records where known, then what only the state knows', () => {
    const k = (dvid: string) => ({ datasetVersionId: dvid, slice: '2019' }) as VersionRecord;
    const b = k('2019.b');
    const merged = sliceVersions('ks', '2019', [b, k('2019.c')], [listed('2019.a', 'new'), listed('2019.b', 'reprocess'), listed('2020.z', 'new', { slice: '2020' })]);
    expect(merged.map((v) => v.datasetVersionId)).toEqual(['2019.a', '2019.b', '2019.c']);
    expect(merged[0]).toMatchObject({ datasetSlug: 'ks', mode: 'new', specDocument: null, rawInputs: null });
    expect(merged[1]).toBe(b);
    expect(sliceVersions('ks', '2019', [k('2019.b')], undefined).map((v) => v.datasetVersionId)).toEqual(['2019.b']);
  });
});

const entry = (seq: number, hash: string, dvid = '2019.x'): LedgerEntry => ({
  seq,
  prevHash: '',
  entryHash: hash,
  kind: 'run_receipt',
  datasetSlug: 'ks',
  datasetVersionId: dvid,
  runId: null,
  envelope: '',
  createdAt: '',
});

describe('anchors, by the ledger they name', () => {
  const ledger = anchoredLedger([entry(1, D('1')), entry(2, D('2'))]);

  it('an anchor naming this ledger, or none, is checked; another ledger is not this one', () => {
    expect(ledger.id).toBe(D('1'));
    expect(isLocalAnchor({ ledger_id: D('1') }, ledger)).toBe(true);
    expect(isLocalAnchor({}, ledger)).toBe(true);
    expect(isLocalAnchor({ ledger_id: D('f') }, ledger)).toBe(false);
    expect(isLocalAnchor({ ledger_id: D('f') }, anchoredLedger([]))).toBe(false);
    expect(checkAnchor({ ledger_id: D('1'), seq: 2, entry_hash: D('2') }, 'ks', '2019.x', ledger)).toBeUndefined();
    expect(checkAnchor({ ledger_id: D('1'), seq: 2, entry_hash: D('e') }, 'ks', '2019.x', ledger)?.problem).toMatch(/the ledger was rewritten$/);
    expect(checkAnchor({ seq: 3, entry_hash: D('3') }, 'ks', '2019.x', ledger)?.problem).toMatch(/but the ledger ends at seq 2: entries were truncated$/);
    expect(checkAnchor({ seq: 2, entry_hash: D('2') }, 'ks', '2019.y', ledger)?.problem).toBe('version 2019.y anchors ledger entry seq 2, which is a receipt of ks@2019.x');
  });

  it("local anchors: each must name this ledger and hold; an emptied or replaced ledger is caught", () => {
    const a = { dataset_slug: 'ks', dataset_version_id: '2019.x', ledger_id: D('1'), seq: 2, entry_hash: D('2') };
    expect(checkLocalAnchors([a], ledger, () => false)).toEqual([]);
    expect(checkLocalAnchors([{ ...a, seq: 5 }], ledger, () => false).map((p) => p.problem)).toEqual([
      `.kfm/anchors.json: ks version 2019.x anchors ledger entry seq 5 (${D('2')}), but the ledger ends at seq 2: entries were truncated`,
    ]);
    expect(checkLocalAnchors([a], anchoredLedger([]), () => false).map((p) => p.problem)).toEqual([
      `.kfm/anchors.json: ks version 2019.x was anchored in ledger 11111111 (seq 2 ${D('2')}), but this ledger is (empty): the ledger was replaced or emptied`,
    ]);
    expect(checkLocalAnchors([{ ...a, seq: 5 }], ledger, () => true)).toEqual([]);
  });
});
