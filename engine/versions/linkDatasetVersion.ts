import type { ContentStore } from '../../store/contentStore.js';
import { linkEntry, type DataTreeSettings } from '../../store/dataTree.js';
import type { EventSink } from '../run/event.js';
import type { Digest } from '../../core/digest.js';
import { KfmError } from '../../core/error.js';
import type { BuildRerunMode } from '../../core/buildRerunMode.js';
import type { NamedVersion } from './nameDatasetVersion.js';
import type { VersionStageSummary } from './runVersionStages.js';
import type { DatasetVersionStatus } from '../../core/datasetVersionStatus.js';
import type { FailedCheck } from '../../core/failedCheck.js';

/** What versioning a dataset in a build did (BuildSummary.versions). */
export interface LinkedVersion {
  dataset: string;
  slice: string;
  datasetVersionId: string;
  specHash: Digest;
  inputsDigest: Digest;
  /** True when this build created the version (false: the version existed, a retry). */
  created: boolean;
  /** The rerun mode found (engine/versions/rerunMode.ts) and why. */
  mode: BuildRerunMode;
  modeReason: string;
  /** Run ids of the receipts this build recorded for the version (none without a versioning context). */
  receipts: string[];
  /** Files under data/ that name the version, receipts included. */
  paths: string[];
  /** What the version stages (the catalog) did: none without a versioning context. */
  stages: VersionStageSummary[];
  /** `candidate`, or `quarantined` when its QA failed (a retry: the registry's status). */
  status: DatasetVersionStatus;
  /** The QA checks it failed (empty unless its QA failed). */
  failedChecks: FailedCheck[];
}

/**
 * Links a named version into the data/ tree: stores its `checksums.json` (flushed before
 * anything names it), then links every entry as `dataTree.link` says. Outputs are already in
 * the store. A path that holds another stored object's bytes is an error (store/dataTree.ts):
 * the bytes behind a dvid never change; one whose bytes were edited is restored, with a
 * `data-file-restored` event.
 * Returns the linked paths, relative to data/.
 */
export async function linkDatasetVersion(
  named: NamedVersion,
  to: { store: ContentStore; dataDir: string; dataTree: DataTreeSettings; onEvent: EventSink },
): Promise<string[]> {
  const checksums = named.entries[named.entries.length - 1]!;
  const stored = await to.store.put(named.checksums);
  if (stored.digest !== checksums.digest) {
    throw new KfmError('store', `internal: checksums.json of ${named.slug}@${named.datasetVersionId} was stored as ${stored.digest}, not ${checksums.digest}`);
  }
  await to.store.flush([stored.digest]);
  for (const e of named.entries) {
    const done = await linkEntry(to.dataDir, to.store, e, to.dataTree);
    if (done.outcome === 'restored') to.onEvent({ type: 'data-file-restored', path: e.path, digest: e.digest, edited: done.edited, keptAt: done.keptAt });
  }
  return named.entries.map((e) => e.path);
}
