import { compareCodePoints } from '../../core/compareCodePoints.js';
import type { Digest } from '../../core/digest.js';
import { KfmError } from '../../core/error.js';
import type { FileContentStore } from '../../store/contentStore.js';
import type { LedgerEntry } from '../../store/ledger/ledger.js';
import type { DatasetRegistry } from '../../store/registry/datasetRegistry.js';
import type { NodeResult } from '../../store/state.js';
import { dataFileObjects } from './dataFileObjects.js';
import { digestsNamedIn } from './digestsNamedIn.js';
import { firstSeqs, ledgerReferences } from './ledgerReferences.js';
import { liveDigests } from './liveDigests.js';
import { retainedVersions, versionKey, type VersionRetention } from './retainedVersions.js';

/**
 * Why gc removes an object. `unreferenced`: nothing names it (an old intermediate result,
 * bytes of a task that failed after storing them). `dropped-version`: only the records of
 * versions --keep-last does not retain name it (their receipts, or files in their data/
 * directories).
 */
export type GcReason = 'unreferenced' | 'dropped-version';

export interface GarbageObject {
  digest: Digest;
  size: number;
  reason: GcReason;
}

export interface GcPlan {
  versions: VersionRetention[];
  checked: { objects: number; live: number };
  /** In digest order. */
  garbage: GarbageObject[];
}

export interface GcSources {
  store: FileContentStore;
  latest: ReadonlyMap<string, NodeResult>;
  entries: readonly LedgerEntry[];
  registries: readonly DatasetRegistry[];
  /** The registry files as they are on disk (every digest they name is live). */
  registryFiles: readonly unknown[];
  dataDir: string;
  keepLast: number | undefined;
}

/**
 * What kfm gc would remove: every store object not in the live set (liveDigests) and held
 * by no file under data/ outside a dropped version's directory (dataFileObjects), with its
 * size and why. Reads only. As a last guard, an object a ledger entry of a candidate or
 * published version names is never garbage (an internal error if the rules ever disagreed).
 */
export async function planGc(s: GcSources): Promise<GcPlan> {
  const refs = ledgerReferences(s.entries);
  const versions = retainedVersions(s.registries, firstSeqs(refs), s.keepLast);
  const dropped = new Set(versions.filter((v) => !v.retained).map((v) => versionKey(v.dataset_slug, v.dataset_version_id)));
  const live = liveDigests({ latest: s.latest, ledger: refs, registries: s.registryFiles, dropped, dataDir: s.dataDir, objectsDir: `${s.store.root}/objects` });
  const ofDropped = new Set<Digest>();
  for (const r of refs) if (r.version !== null && dropped.has(r.version)) for (const d of r.digests) ofDropped.add(d);
  const guarded = new Set(versions.filter((v) => v.status === 'candidate' || v.status === 'published').map((v) => versionKey(v.dataset_slug, v.dataset_version_id)));
  const protectedDigests = new Set<Digest>();
  for (const r of refs) if (r.version !== null && guarded.has(r.version)) digestsNamedIn([...r.digests], protectedDigests);

  let objects = 0;
  const candidates = new Map<Digest, number>();
  for await (const d of s.store.digests()) {
    objects++;
    if (live.has(d)) continue;
    if (protectedDigests.has(d)) throw new KfmError('store', `kfm gc: ${d} is named by a receipt of a candidate or published version but not live: removing nothing`);
    const size = await s.store.sizeOf(d);
    if (size !== undefined) candidates.set(d, size);
  }
  const inDataTree = dataFileObjects(s.dataDir, candidates, dropped);
  const garbage: GarbageObject[] = [...candidates]
    .filter(([d]) => !inDataTree.live.has(d))
    .map(([digest, size]): GarbageObject => ({ digest, size, reason: ofDropped.has(digest) || inDataTree.ofDropped.has(digest) ? 'dropped-version' : 'unreferenced' }))
    .sort((a, b) => compareCodePoints(a.digest, b.digest));
  return { versions, checked: { objects, live: objects - garbage.length }, garbage };
}
