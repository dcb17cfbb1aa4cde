/** The rerun-mode decision and the spec diffs it names, as pure functions. */
import { describe, expect, it } from 'vitest';
import { canonicalDigest } from '../../core/canonicalJson.js';
import { diffJsonPointers } from '../../core/diffJsonPointers.js';
import type { Digest } from '../../core/digest.js';
import type { Json } from '../../core/json.js';
import { decideRerunMode, type VersionFacts } from '../../engine/versions/rerunMode.js';
import { describeSpecChange, specChanges } from '../../engine/versions/specChanges.js';
import type { RawInput } from '../../engine/versions/datasetRawInputs.js';
import type { VersionRecord } from '../../store/state.js';

const D = (c: string): Digest => `sha256:${c.repeat(64)}`;

const doc = (threshold: string, code: Digest = D('c'), extraTask?: Json): Json => ({
  kfm_spec_hash_version: 1,
  spec: { dataset_slug: 'ks', validation: { checks: [{ name: 'row_count', threshold }] } },
  tasks: [
    { name: 'clean', run: './clean.ts', params: {}, code },
    ...(extraTask ? [extraTask] : []),
    { name: 'qa', run: './qa.ts', params: { checks: [{ name: 'row_count', threshold }] }, code: D('d') },
  ],
});

function facts(threshold: string, raw: RawInput[], code: Digest = D('c')): VersionFacts {
  const document = doc(threshold, code);
  return {
    slug: 'ks',
    slice: '2019',
    specHash: canonicalDigest(document),
    document,
    taskCode: { clean: [['clean.ts', code]], qa: [['qa.ts', D('d')]] },
    inputsDigest: canonicalDigest(raw),
    rawInputs: raw,
  };
}

let clock = 0;
function recorded(f: VersionFacts, dvid: string, mode: string): VersionRecord {
  return {
    datasetVersionId: dvid,
    datasetSlug: f.slug,
    slice: f.slice,
    specHash: f.specHash,
    inputsDigest: f.inputsDigest,
    outputsDigest: D('0'),
    runId: 'r',
    createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, clock++)).toISOString(),
    specDocument: f.document,
    taskCode: f.taskCode,
    rawInputs: f.rawInputs,
    mode,
    modeReason: 'x',
  };
}

const RAW: RawInput[] = [['file:src/rows.csv', D('1')], ['ks/fetch:rows.csv', D('1')]];

describe('decideRerunMode', () => {
  it('is new for a slice without versions, with <slice>.<spec8>', () => {
    const f = facts('>= 1', RAW);
    expect(decideRerunMode(f, [])).toMatchObject({ mode: 'new', datasetVersionId: `2019.${f.specHash.slice(7, 15)}`, reason: 'no version of ks@2019 yet' });
  });

  it('is a retry of the version with the same spec and inputs, naming it when it is not the latest', () => {
    const f = facts('>= 1', RAW);
    const v1 = recorded(f, '2019.aaaaaaaa', 'new');
    expect(decideRerunMode(f, [v1])).toMatchObject({ mode: 'retry', datasetVersionId: '2019.aaaaaaaa', reason: 'same spec and raw inputs', basis: v1 });
    const later = recorded(facts('>= 2', RAW), '2019.bbbbbbbb', 'reprocess');
    expect(decideRerunMode(f, [v1, later]).reason).toBe("same spec and raw inputs as 2019.aaaaaaaa (the slice's latest is 2019.bbbbbbbb)");
  });

  it('is a reprocess when the spec changed, naming the pointers that changed since the latest version', () => {
    const v1 = recorded(facts('>= 1', RAW), '2019.aaaaaaaa', 'new');
    const f = facts('>= 2', RAW);
    const d = decideRerunMode(f, [v1]);
    expect(d).toMatchObject({ mode: 'reprocess', datasetVersionId: `2019.${f.specHash.slice(7, 15)}`, basis: v1, inputChanges: [] });
    expect(d.reason).toBe('spec changed since 2019.aaaaaaaa: /spec/validation/checks/0/threshold: ">= 1" → ">= 2", /tasks/1/params/checks/0/threshold: ">= 1" → ">= 2"');
  });

  it('names the task code files that changed, and raw inputs that changed at the same time', () => {
    const v1 = recorded(facts('>= 1', RAW), '2019.aaaaaaaa', 'new');
    const raw: RawInput[] = [['file:src/rows.csv', D('2')], ['ks/fetch:rows.csv', D('2')]];
    const d = decideRerunMode(facts('>= 1', raw, D('e')), [v1]);
    expect(d.mode).toBe('reprocess');
    expect(d.reason).toBe(
      'spec changed since 2019.aaaaaaaa: /tasks/0/code: task code changed (clean.ts); raw inputs changed too: ' +
        `file:src/rows.csv ${D('1').slice(0, 19)} → ${D('2').slice(0, 19)}, ks/fetch:rows.csv ${D('1').slice(0, 19)} → ${D('2').slice(0, 19)}`,
    );
  });

  it('is a backfill when only raw inputs changed, with a third part, naming the digests that changed', () => {
    const f1 = facts('>= 1', RAW);
    const v1 = recorded(f1, `2019.${f1.specHash.slice(7, 15)}`, 'new');
    const raw: RawInput[] = [['file:src/rows.csv', D('3')], ['ks/fetch:rows.csv', D('3')], ['ks/fetch:extra.csv', D('4')]];
    const f = facts('>= 1', raw);
    const d = decideRerunMode(f, [v1]);
    expect(d).toMatchObject({ mode: 'backfill', datasetVersionId: `${v1.datasetVersionId}.${f.inputsDigest.slice(7, 15)}`, basis: v1 });
    expect(d.inputChanges).toEqual([
      { input: 'file:src/rows.csv', old: D('1'), new: D('3') },
      { input: 'ks/fetch:extra.csv', old: null, new: D('4') },
      { input: 'ks/fetch:rows.csv', old: D('1'), new: D('3') },
    ]);
    expect(d.reason).toBe(
      `raw inputs changed since ${v1.datasetVersionId} (same spec): file:src/rows.csv ${D('1').slice(0, 19)} → ${D('3').slice(0, 19)}, ` +
        `ks/fetch:extra.csv added (${D('4').slice(0, 19)}), ks/fetch:rows.csv ${D('1').slice(0, 19)} → ${D('3').slice(0, 19)}`,
    );
  });

  it('falls back to digests for versions recorded before their documents were kept (state schema 1)', () => {
    const f1 = facts('>= 1', RAW);
    const old = { ...recorded(f1, '2019.aaaaaaaa', 'new'), specDocument: null, taskCode: null, rawInputs: null };
    const f = facts('>= 2', RAW);
    expect(decideRerunMode(f, [old]).reason).toBe(`spec changed since 2019.aaaaaaaa (spec_hash ${f1.specHash.slice(0, 19)} → ${f.specHash.slice(0, 19)})`);
    const g = facts('>= 1', [['file:src/rows.csv', D('9')]]);
    expect(decideRerunMode(g, [old]).reason).toBe(`raw inputs changed since 2019.aaaaaaaa (same spec): inputs digest ${f1.inputsDigest.slice(0, 19)} → ${g.inputsDigest.slice(0, 19)}`);
  });
});

describe('specChanges', () => {
  it('matches tasks by name: an added task does not renumber the changes of the others', () => {
    const before = doc('>= 1');
    const after = doc('>= 2', D('c'), { name: 'enrich', run: './enrich.ts', params: {}, code: D('f') });
    const changes = specChanges({ document: before }, { document: after });
    expect(changes.map((c) => c.pointer)).toEqual(['/spec/validation/checks/0/threshold', '/tasks/1', '/tasks/2/params/checks/0/threshold']);
    expect(changes.map(describeSpecChange)).toEqual([
      '/spec/validation/checks/0/threshold: ">= 1" → ">= 2"',
      '/tasks/1: added (task "enrich")',
      '/tasks/2/params/checks/0/threshold: ">= 1" → ">= 2"',
    ]);
    expect(specChanges({ document: after }, { document: before }).map(describeSpecChange)).toContain('/tasks/1: removed (task "enrich")');
  });

  it('names code files added, removed and changed', () => {
    const changes = specChanges(
      { document: doc('>= 1', D('c')), taskCode: { clean: [['clean.ts', D('1')], ['lib/a.ts', D('2')]] } },
      { document: doc('>= 1', D('e')), taskCode: { clean: [['clean.ts', D('3')], ['lib/b.ts', D('4')]] } },
    );
    expect(changes).toEqual([{ pointer: '/tasks/0/code', old: D('c'), new: D('e'), files: ['clean.ts', 'lib/a.ts removed', 'lib/b.ts added'] }]);
  });
});

describe('diffJsonPointers', () => {
  it('escapes keys, compares arrays element by element and leaves absent sides out', () => {
    expect(diffJsonPointers({ 'a/b': 1, 'c~d': [1, 2], e: { f: true } }, { 'a/b': 2, 'c~d': [1, 3, 4], e: {} })).toEqual([
      { pointer: '/a~1b', old: 1, new: 2 },
      { pointer: '/c~0d/1', old: 2, new: 3 },
      { pointer: '/c~0d/2', new: 4 },
      { pointer: '/e/f', old: true },
    ]);
    expect(diffJsonPointers(1, 'x')).toEqual([{ pointer: '/', old: 1, new: 'x' }]);
    expect(diffJsonPointers({ a: [1] }, { a: [1] })).toEqual([]);
  });
});
