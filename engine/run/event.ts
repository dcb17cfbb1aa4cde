import type { Digest } from '../../core/digest.js';
import type { FailedCheck } from '../../core/failedCheck.js';
import type { BuildRerunMode } from '../../core/buildRerunMode.js';
import type { KfmErrorCode, Location } from '../../core/error.js';
import type { TaskFailure } from '../schedule/job.js';
import type { DirtyReason } from '../keys/dirtyReason.js';
import type { SkipReason } from './skipReason.js';
import type { DifferingOutput } from '../schedule/differingOutputs.js';

/** A node's final status in a build. */
export type NodeStatus = 'executed' | 'cached' | 'failed' | 'skipped';

/** Everything the engine reports. Reporters (plain, JSON, Ink) render these; the engine never prints. */
export type BuildEvent =
  /** The project lock is held by another build; this one waits. */
  | { type: 'lock-waiting'; holder: string }
  /** The build starts: these nodes are in scope. */
  | { type: 'build-start'; runId: string; targets: string[]; nodes: string[]; jobs: number }
  /** A node's key matched a stored result: nothing runs. */
  | { type: 'node-cached'; id: string; key: Digest; /** Found in the shared cache (KFM_CACHE), not the local state. */ shared?: true }
  /** The shared cache's entry for a node's key was not used (the node runs locally), and why: unsigned, signed by an unpinned key, … */
  | { type: 'shared-cache-rejected'; id: string; key: Digest; reason: string }
  /** Something about the shared cache the operator should know, once per build: it does not write, or it failed (the build goes on locally). */
  | { type: 'shared-cache-notice'; message: string }
  /** A node starts running, and why. */
  | { type: 'node-start'; id: string; key: Digest; reason: DirtyReason }
  /** A running task logged a line. */
  | { type: 'node-log'; id: string; level: 'info' | 'warn' | 'error'; message: string }
  /** A running task reported progress. */
  | { type: 'node-progress'; id: string; done: number; total?: number; unit?: string }
  /** A node ran and its outputs are stored. */
  | { type: 'node-done'; id: string; key: Digest; outputs: number; durationMs: number }
  /** A node's task failed (or its inputs could not be prepared). */
  | { type: 'node-failed'; id: string; key: Digest | null; error: TaskFailure }
  /** A node did not run because a dependency failed or the build stopped (see SkipReason). */
  | { type: 'node-skipped'; id: string; because: SkipReason }
  /**
   * `--verify-determinism`: the node ran a second time; `differing` names each output whose
   * bytes differ. `declared`: the task says `nondeterministic: true` (no failure). `error`: the second run failed.
   */
  | { type: 'node-determinism'; id: string; deterministic: boolean; declared: boolean; differing: DifferingOutput[]; error?: string }
  /** `--verify-determinism` is over: `checked` of the `executed` nodes ran twice; `failing` differed without being declared nondeterministic. */
  | { type: 'determinism-checked'; executed: number; checked: number; nondeterministic: number; failing: number }
  /** A dataset version was named, with the rerun mode found and why (before its files are written). */
  | {
      type: 'dataset-version';
      dataset: string;
      slice: string;
      datasetVersionId: string;
      mode: BuildRerunMode;
      reason: string;
      /** False for a retry: the version existed. */
      created: boolean;
    }
  /** A dataset version's run receipts were signed, appended to the audit ledger and written under data/catalog/. */
  | { type: 'receipts-recorded'; dataset: string; datasetVersionId: string; count: number; firstSeq: number; lastSeq: number }
  /** A version stage (`kfm:catalog`, engine/versions/versionStage.ts) ran, was cached (its key unchanged) or does not apply. */
  | {
      type: 'version-stage';
      stage: string;
      dataset: string;
      datasetVersionId: string;
      status: 'executed' | 'cached' | 'skipped';
      reason: string;
      files: number;
      receipt: { runId: string; seq: number } | null;
      problems: number | null;
    }
  /**
   * Something about the audit trail the operator should know (engine/receipts/): the trust
   * file created with the signing key, a signing key not pinned or readable by others,
   * receipt files re-materialised from the ledger.
   */
  | { type: 'audit-notice'; message: string }
  /**
   * A node's stored output failed verification: its bytes no longer hash to its digest
   * (`corrupt`: moved aside, to `.kfm/store/corrupt/` in a local store) or it is gone
   * (`missing`). The node reruns: in this build when found before it ran, else the next.
   */
  | { type: 'object-corrupt'; digest: Digest; node: string; output: string; found: 'corrupt' | 'missing' }
  /** A file under data/ held bytes kfm did not write there (edited): moved to `keptAt` and restored from the store. */
  | { type: 'data-file-restored'; path: string; digest: Digest; edited: Digest; keptAt: string }
  /** A dataset's outputs were linked into the data/ tree under its version. */
  | { type: 'dataset-linked'; dataset: string; datasetVersionId: string; paths: number }
  /**
   * A dataset version's QA failed: it is recorded `quarantined` (its files under
   * data/quarantine/), cannot be promoted, and the build fails. `created` false: a retry of
   * a version already quarantined.
   */
  | { type: 'dataset-quarantined'; dataset: string; datasetVersionId: string; failedChecks: FailedCheck[]; created: boolean }
  /** The build ended. */
  | {
      type: 'build-end';
      runId: string;
      status: 'succeeded' | 'failed' | 'interrupted';
      counts: Record<NodeStatus, number>;
      durationMs: number;
    }
  /** `--jobs` asked for more threads than the build can use: it runs `jobs` (engine/run/jobsLimit.ts). */
  | { type: 'jobs-clamped'; requested: number; jobs: number; limit: 'nodes' | 'cores'; nodes: number; cores: number }
  /** A problem that stops the build before or outside any node. */
  | { type: 'build-error'; message: string; location?: Location }
  /** Watch mode: a cycle is over; waiting for a change to `files` files or to what `patterns` globs match. */
  | { type: 'watch-waiting'; files: number; patterns: number }
  /** Watch mode: these files changed (project-relative, sorted); a new cycle starts. */
  | { type: 'watch-change'; paths: string[] }
  /**
   * Watch mode: files changed while a build runs. `interrupt`: the kfmfile or code or inputs
   * of a node it has not finished changed, so it stops now; otherwise it finishes first.
   * A `watch-change` follows either way.
   */
  | { type: 'watch-pending'; paths: string[]; interrupt: boolean }
  /** Watch mode: the kfmfile, a target or the build's inputs could not be loaded (what `kfm build` exits on); the next change retries. */
  | { type: 'watch-error'; code: KfmErrorCode; message: string; location?: Location };

export type EventSink = (event: BuildEvent) => void;
