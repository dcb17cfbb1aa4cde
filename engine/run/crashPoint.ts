/**
 * TEST ONLY. `KFM_TEST_CRASH_AT=<point>:<n>`: the process SIGKILLs itself the n-th time it
 * reaches the named crash point (counted per thread: a point in a worker thread counts that
 * thread's passes, and its SIGKILL kills the whole process). What a power cut or an OOM kill
 * at that point leaves, made deterministic for test/e2e/crashPoints.test.ts. Unset (always,
 * outside tests), every call is a no-op. The points, in the order a build reaches them:
 */
export type CrashPoint =
  /** runBuild: the project lock is held, nothing else done. */
  | 'lock-taken'
  /** build: every node assessed (planned), before the run is recorded. */
  | 'planned'
  /** worker thread: a task stored one of its outputs (`ctx.output`), mid-task. */
  | 'task-output'
  /** scheduler: a task's outputs are stored, its result not yet recorded. */
  | 'task-finished'
  /** result committer: a group of results is committed to the state. */
  | 'results-committed'
  /** versioning: a dataset version is recorded in the state. */
  | 'version-recorded'
  /** versioning: the version's outputs and checksums.json are linked under data/. */
  | 'data-linked'
  /** versioning: registry/<slug>.json lists the version. */
  | 'registry-written'
  /** receipt writer: one receipt appended to the ledger (its file not yet written). */
  | 'receipt-appended'
  /** receipt writer: a batch's receipt files are linked under data/. */
  | 'receipts-written'
  /** versioning: the registry anchors the version's receipts. */
  | 'receipts-anchored'
  /** build: the run is ended in the state (build-end), before caches and the snapshot. */
  | 'build-ended'
  /** kfm promote: its receipt is in the ledger, the registry not yet moved. */
  | 'promote-recorded'
  /** kfm gc: one garbage object removed (its collected-log line written), the rest not yet (test/e2e/gc.test.ts). */
  | 'gc-removed'
  /** kfm rollback: its decision is in the ledger, the registry not yet moved, no target swapped (test/e2e/rollbackRig.test.ts). */
  | 'rollback-recorded';

const VARIABLE = 'KFM_TEST_CRASH_AT';
const passes = new Map<CrashPoint, number>();

/** Counts a pass of `point`; SIGKILLs the process on the pass `KFM_TEST_CRASH_AT` names. */
export function crashPoint(point: CrashPoint): void {
  const at = process.env[VARIABLE];
  if (at === undefined || at === '') return;
  const n = (passes.get(point) ?? 0) + 1;
  passes.set(point, n);
  if (at === `${point}:${n}`) process.kill(process.pid, 'SIGKILL');
}
