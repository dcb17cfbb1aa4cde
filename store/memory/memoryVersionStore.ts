import { compareCodePoints } from '../../core/compareCodePoints.js';
import { KfmError } from '../../core/error.js';
import type { VersionRecord, VersionStore } from '../state/versionStore.js';

/** A stored copy, as SQLite gives one back: JSON round-tripped, absent optional fields null. */
function stored(v: VersionRecord): VersionRecord {
  const c = JSON.parse(JSON.stringify(v)) as VersionRecord;
  return {
    ...c,
    specDocument: c.specDocument ?? null,
    taskCode: c.taskCode ?? null,
    rawInputs: c.rawInputs ?? null,
    mode: c.mode ?? null,
    modeReason: c.modeReason ?? null,
    failedChecks: c.failedChecks ?? null,
  };
}

/** The VersionStore fake: versions in recording order, answered asynchronously. */
export class MemoryVersionStore implements VersionStore {
  readonly #versions: VersionRecord[] = [];

  async version(slug: string, dvid: string): Promise<VersionRecord | undefined> {
    const v = this.#versions.find((x) => x.datasetSlug === slug && x.datasetVersionId === dvid);
    return v && stored(v);
  }

  async versionsOfSlice(slug: string, slice: string): Promise<VersionRecord[]> {
    return this.#oldestFirst((v) => v.datasetSlug === slug && v.slice === slice);
  }

  async versionsFor(slug: string, slice: string, specHash: string): Promise<VersionRecord[]> {
    return this.#oldestFirst((v) => v.datasetSlug === slug && v.slice === slice && v.specHash === specHash);
  }

  async putVersion(version: VersionRecord): Promise<void> {
    if (this.#versions.some((x) => x.datasetSlug === version.datasetSlug && x.datasetVersionId === version.datasetVersionId)) {
      throw new KfmError('state', `version ${version.datasetVersionId} of ${version.datasetSlug} is already recorded: a version is written once`);
    }
    this.#versions.push(stored(version));
  }

  #oldestFirst(keep: (v: VersionRecord) => boolean): VersionRecord[] {
    return this.#versions
      .map((v, i) => ({ v, i }))
      .filter(({ v }) => keep(v))
      .sort((a, b) => compareCodePoints(a.v.createdAt, b.v.createdAt) || a.i - b.i)
      .map(({ v }) => stored(v));
  }
}
