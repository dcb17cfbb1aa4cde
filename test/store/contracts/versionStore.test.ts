import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Digest } from '../../../core/digest.js';
import { KfmError } from '../../../core/error.js';
import type { VersionRecord, VersionStore } from '../../../store/state/versionStore.js';
import { digest, versionStores } from './stateSubjects.js';
import { usePostgres } from './postgresSubjects.js';

usePostgres();

const base: VersionRecord = {
  datasetVersionId: '2019.aaaaaaaa',
  datasetSlug: 'ks',
  slice: '2019',
  specHash: digest('a'),
  inputsDigest: digest('b'),
  outputsDigest: digest('c'),
  runId: 'r1',
  createdAt: '2026-01-01T00:00:00.000Z',
};
const NULLS = { specDocument: null, taskCode: null, rawInputs: null, mode: null, modeReason: null, failedChecks: null };

describe.each(versionStores)('VersionStore contract: $name', (impl) => {
  let store: VersionStore;
  let close: () => unknown;

  beforeEach(() => {
    const opened = impl.open();
    store = opened.impl;
    close = opened.close;
  });
  afterEach(() => close());

  it('round-trips a version; absent optional fields read back as null', async () => {
    expect(await store.version('ks', base.datasetVersionId)).toBeUndefined();
    await store.putVersion(base);
    expect(await store.version('ks', base.datasetVersionId)).toEqual({ ...base, ...NULLS });
    const full: VersionRecord = {
      ...base,
      datasetVersionId: '2019.dddddddd',
      specDocument: { kfm_spec_hash_version: 1, spec: {}, tasks: [] },
      taskCode: { t: [['t.ts', digest('e')]] as [string, Digest][] },
      rawInputs: [['file:a', digest('f')]] as [string, Digest][],
      mode: 'reprocess',
      modeReason: 'spec changed since 2019.aaaaaaaa',
      failedChecks: [{ node: 'ks/qa', name: 'feature_count', value: 3, threshold: '>= 200' }],
    };
    await store.putVersion(full);
    expect(await store.version('ks', '2019.dddddddd')).toEqual(full);
    expect(await store.version('other', '2019.dddddddd')).toBeUndefined();
  });

  it('lists a slice oldest first (ties: the earlier recorded first); versionsFor narrows to a spec_hash', async () => {
    await store.putVersion({ ...base, datasetVersionId: '2019.late', createdAt: '2026-01-03T00:00:00.000Z' });
    await store.putVersion({ ...base, datasetVersionId: '2019.tie1', createdAt: '2026-01-02T00:00:00.000Z', specHash: digest('d') });
    await store.putVersion({ ...base, datasetVersionId: '2019.tie2', createdAt: '2026-01-02T00:00:00.000Z' });
    await store.putVersion({ ...base, datasetVersionId: '2019.early' });
    await store.putVersion({ ...base, datasetVersionId: '2020.x', slice: '2020' });
    await store.putVersion({ ...base, datasetSlug: 'ne', datasetVersionId: '2019.ne' });
    expect((await store.versionsOfSlice('ks', '2019')).map((v) => v.datasetVersionId)).toEqual(['2019.early', '2019.tie1', '2019.tie2', '2019.late']);
    expect((await store.versionsFor('ks', '2019', digest('a'))).map((v) => v.datasetVersionId)).toEqual(['2019.early', '2019.tie2', '2019.late']);
    expect((await store.versionsFor('ks', '2019', digest('d'))).map((v) => v.datasetVersionId)).toEqual(['2019.tie1']);
    expect(await store.versionsOfSlice('ks', '2021')).toEqual([]);
  });

  it('writes a version once: a second record of a dvid is refused, the first kept', async () => {
    await store.putVersion(base);
    let thrown: unknown;
    try {
      await store.putVersion({ ...base, runId: 'r2' });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(KfmError);
    expect({ code: (thrown as KfmError).code, message: (thrown as KfmError).message }).toEqual({
      code: 'state',
      message: 'version 2019.aaaaaaaa of ks is already recorded: a version is written once',
    });
    expect((await store.version('ks', base.datasetVersionId))?.runId).toBe('r1');
    // The same dvid under another slug is another version.
    await store.putVersion({ ...base, datasetSlug: 'ne' });
    expect((await store.version('ne', base.datasetVersionId))?.datasetSlug).toBe('ne');
  });
});
