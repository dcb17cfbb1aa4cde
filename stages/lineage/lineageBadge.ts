/** A dataset's lineage badge (CONTRACTS.md "Lineage status"). */
export type LineageBadge = 'healthy' | 'degraded' | 'failing' | 'running' | 'unknown';
export const LINEAGE_BADGES: readonly LineageBadge[] = ['healthy', 'degraded', 'failing', 'running', 'unknown'];

/** What the badge is decided from: facts read from the state, the registry and the ledger. */
export interface BadgeFacts {
  /** A build that covers the dataset runs now (its run is `running` and the lock holder is alive). */
  running: { run_id: string; started_at: string } | null;
  /** The newest build run that recorded a node of the dataset (or `running` covering it). */
  lastAttempt: { run_id: string; status: string; failed_nodes: string[]; skipped_nodes: string[] } | null;
  /** The registry's newest version (the last one built). */
  newest: { dataset_version_id: string; status: string; failed_checks: string[] } | null;
  /** The registry's latest_version_id (the live, promoted version). */
  latest_version_id: string | null;
  /** The live version's QA status (`pass`, `fail`, `unknown`). */
  live_validation: string;
  /** The dataset's newest promote receipt, granted or denied. */
  lastPromotion: { dataset_version_id: string; decision: 'promoted' | 'denied'; reason: string } | null;
}

export interface BadgeDecision {
  badge: LineageBadge;
  /** The rule that decided, in words (shown beside the badge). */
  reason: string;
}

/**
 * The badge, by the first rule that holds (README "kfm serve", "Badges"):
 * 1. `running`: a build covering the dataset runs now.
 * 2. `failing`: its last attempted build had a task of the dataset fail (or skip after a
 *    failure upstream).
 * 3. `degraded`: something needs a person, though what is live (if anything) is intact:
 *    the newest version is quarantined (its QA failed), the last promotion was denied, the
 *    last build was interrupted or skipped its tasks after a failure elsewhere, or the live
 *    version's QA did not pass (an override).
 * 4. `unknown`: nothing is live yet (never built, or only candidates).
 * 5. `healthy`: a promoted version is live, its QA passed, the last build succeeded.
 */
export function lineageBadge(f: BadgeFacts): BadgeDecision {
  if (f.running) return { badge: 'running', reason: `a build is running (run ${f.running.run_id}, since ${f.running.started_at})` };
  if (f.lastAttempt && f.lastAttempt.failed_nodes.length > 0) {
    return { badge: 'failing', reason: `the last build (run ${f.lastAttempt.run_id}) failed at ${f.lastAttempt.failed_nodes.join(', ')}` };
  }
  if (f.newest?.status === 'quarantined') {
    const checks = f.newest.failed_checks.length > 0 ? f.newest.failed_checks.join('; ') : 'QA failed';
    return { badge: 'degraded', reason: `the newest version ${f.newest.dataset_version_id} is quarantined (${checks})` };
  }
  if (f.lastPromotion?.decision === 'denied') return { badge: 'degraded', reason: f.lastPromotion.reason };
  if (f.lastAttempt?.status === 'interrupted') return { badge: 'degraded', reason: `the last build (run ${f.lastAttempt.run_id}) was interrupted` };
  if (f.lastAttempt && f.lastAttempt.skipped_nodes.length > 0) {
    return { badge: 'degraded', reason: `the last build (run ${f.lastAttempt.run_id}) skipped ${f.lastAttempt.skipped_nodes.join(', ')} after a failure elsewhere` };
  }
  if (f.latest_version_id !== null && f.live_validation !== 'pass') {
    return { badge: 'degraded', reason: `the live version ${f.latest_version_id} has QA status ${f.live_validation}` };
  }
  if (f.latest_version_id === null) {
    return { badge: 'unknown', reason: f.newest ? `nothing promoted yet (newest version ${f.newest.dataset_version_id} is a ${f.newest.status})` : 'never built' };
  }
  return { badge: 'healthy', reason: `${f.latest_version_id} is live, its QA passed${f.lastAttempt ? ` and the last build (run ${f.lastAttempt.run_id}) succeeded` : ''}` };
}
