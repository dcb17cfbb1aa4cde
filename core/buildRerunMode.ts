/**
 * How a build relates to the versions a slice already has (CONTRACTS.md "Rerun modes"):
 * `new` (none yet), `retry` (same spec and raw inputs: the same dvid), `reprocess` (the spec
 * or task code changed: a new `<slice>.<spec8>`), `backfill` (same spec, other raw inputs:
 * a new `<slice>.<spec8>.<inputs8>`). engine/versions/rerunMode.ts decides which.
 */
export type BuildRerunMode = 'new' | 'retry' | 'reprocess' | 'backfill';
export const BUILD_RERUN_MODES: readonly BuildRerunMode[] = ['new', 'retry', 'reprocess', 'backfill'];
