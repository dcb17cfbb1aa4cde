import type { LockHolder } from '../../store/projectLock.js';
import type { RunRecord } from '../../store/state/runLog.js';

/**
 * Whether a run the state records as `running` really runs now: the project lock's holder
 * is a live `kfm build` (or watch cycle) that took the lock no later than the run began. A
 * build killed mid-run leaves its run `running` until the next lock holder closes it; with
 * no live holder, or a holder that came after it (a promotion, a later build), it is not
 * running.
 */
export function isRunLive(run: Pick<RunRecord, 'status' | 'startedAt'>, holder: LockHolder | undefined): boolean {
  return run.status === 'running' && holder !== undefined && holder.command.startsWith('kfm build') && holder.started_at <= run.startedAt;
}
