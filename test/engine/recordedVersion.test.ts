/** A clone's rerun decision against the committed registry (recordedVersion), and anchor checks by ledger (checkAnchor), as pure functions. */
import { describe, expect, it } from 'vitest';
import type { Digest } from '../../core/digest.js';
import { recordedVersion } from '../../engine/versions/recordedVersion.js';
import type { RerunDecision } from '../../engine/versions/rerunMode.js';
import { anchoredLedger, checkAnchor, checkLocalAnchors, isLocalAnchor } from '../../engine/receipts/checkAnchor.js';
import type { LedgerEntry } from '../../store/ledger/ledger.js';
import type { RegistryVersion } from '../../store/registry/datasetRegistry.js';
import type { VersionRecord } from '../../store/state.js';

const D = (c: string): Digest => `sha256:${c.repeat(64)}`;
const facts = { slug: 'ks', slice: '2019', specHash: D('a'), inputsDigest: D('b') };
const fresh: RerunDecision = { mode: 'new', datasetVersionId: '2019.aaaaaaaa', reason: 'no version of ks@2019 yet', basis: undefined, specChanges: [], inputChanges: [] };
const listed = (dvid: string, mode: RegistryVersion['mode'], over: Partial<RegistryVersion> = {}): RegistryVersion => ({
  dataset_version_id: dvid,
  slice: '2019',
  spec_hash: D('a'),
  inputs_digest: D('b'),
  mode,
  status: 'candidate',
  ...over,
});

describe('recordedVersion', () => {
  it('a clone builds the version the registry records with these facts: its dvid and creating mode', () => {
    const d = recordedVersion(fresh, facts, [listed('2019.11111111', 'new', { spec_hash: D('9') }), listed('2019.aaaaaaaa.bbbbbbbb', 'backfill')], []);
    expect(d).toMatchObject({ mode: 'backfill', datasetVersionId: '2019.aaaaaaaa.bbbbbbbb', basis: undefined });
    expect(d.reason).toBe('registry/ks.json records 2019.aaaaaaaa.bbbbbbbb (a backfill) with this spec and these raw inputs, recorded by another checkout');
    expect(recordedVersion(fresh, facts, [listed('2019.aaaaaaaa', 'reprocess')], []).mode).toBe('reprocess');
  });

  it('leaves the decision alone: a retry, no registry, no match (other slice, spec or inputs), a version the state knows, or the same version and mode', () => {
    const retry: RerunDecision = { ...fresh, mode: 'retry' };
    expect(recordedVersion(retry, facts, [listed('2019.x', 'backfill')], [])).toBe(retry);
    expect(recordedVersion(fresh, facts, undefined, [])).toBe(fresh);
    for (const over of [{ slice: '2020' }, { spec_hash: D('c') }, { inputs_digest: D('c') }]) expect(recordedVersion(fresh, facts, [listed('2019.x', 'backfill', over)], [])).toBe(fresh);
    const known = { datasetVersionId: '2019.x' } as VersionRecord;
    expect(recordedVersion(fresh, facts, [listed('2019.x', 'backfill')], [known])).toBe(fresh);
    expect(recordedVersion(fresh, facts, [listed('2019.aaaaaaaa', 'new')], [])).toBe(fresh);
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
