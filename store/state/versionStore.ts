import type { Digest } from '../../core/digest.js';
import type { Json } from '../../core/json.js';
import type { FailedCheck } from '../../core/failedCheck.js';
import type { Awaitable } from '../awaitable.js';

/** A dataset version: what a dvid names, fixed once written. */
export interface VersionRecord {
  datasetVersionId: string;
  datasetSlug: string;
  slice: string;
  specHash: Digest;
  /** Digest over the ordered raw-input digests. */
  inputsDigest: Digest;
  /** Digest over the version's processed outputs. */
  outputsDigest: Digest;
  runId: string;
  createdAt: string;
  /** The spec-hash document the spec_hash covers (null: recorded by state schema 1). */
  specDocument?: Json | null;
  /** Task name → its code files `[label, digest]` (what `/tasks/<i>/code` digests). */
  taskCode?: Record<string, [string, Digest][]> | null;
  /** The labelled raw inputs the inputs digest covers, sorted by label. */
  rawInputs?: [string, Digest][] | null;
  /** The rerun mode that created the version, and why. */
  mode?: string | null;
  modeReason?: string | null;
  /**
   * A quarantined version (its QA failed): the checks it failed (possibly none named). Null:
   * its QA did not fail (every version recorded before state schema 3: kfm then recorded no
   * version whose QA failed).
   */
  failedChecks?: FailedCheck[] | null;
}

/**
 * Dataset versions, written once each. Implemented by the SQLite State, MemoryVersionStore,
 * and later PostgreSQL: every method is awaited (Awaitable, see store/awaitable.ts).
 * Records read back have every optional field present: absent ones are `null`.
 */
export interface VersionStore {
  /** A slug's version by dvid, if recorded. */
  version(slug: string, dvid: string): Awaitable<VersionRecord | undefined>;
  /** Every version of a slug's slice, oldest first (by createdAt, then the earlier recorded): the last is the slice's latest. */
  versionsOfSlice(slug: string, slice: string): Awaitable<VersionRecord[]>;
  /** The versions of a slug's slice with this spec_hash, oldest first. */
  versionsFor(slug: string, slice: string, specHash: string): Awaitable<VersionRecord[]>;
  /** Records a new version. A version is never updated: a second record of a slug's dvid is a KfmError `state`. */
  putVersion(version: VersionRecord): Awaitable<void>;
}
