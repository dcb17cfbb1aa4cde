/** The badge rules of GET /api/v1/lineage/status (stages/lineage/lineageBadge.ts), one case per rule and their order. */
import { describe, expect, it } from 'vitest';
import { lineageBadge, type BadgeFacts } from '../../stages/lineage/lineageBadge.js';
import { isRunLive } from '../../stages/lineage/liveRun.js';

const healthy: BadgeFacts = {
  running: null,
  lastAttempt: { run_id: 'r2', status: 'succeeded', failed_nodes: [], skipped_nodes: [] },
  newest: { dataset_version_id: '2017.aaaaaaaa', status: 'published', failed_checks: [] },
  latest_version_id: '2017.aaaaaaaa',
  live_validation: 'pass',
  lastPromotion: { dataset_version_id: '2017.aaaaaaaa', decision: 'promoted', reason: 'promoted' },
};

describe('lineage badge', () => {
  it('healthy: a promoted version is live, its QA passed, the last build succeeded', () => {
    expect(lineageBadge(healthy)).toEqual({ badge: 'healthy', reason: '2017.aaaaaaaa is live, its QA passed and the last build (run r2) succeeded' });
  });

  it('running: a build covering the dataset runs now, whatever else holds', () => {
    const facts: BadgeFacts = { ...healthy, running: { run_id: 'r3', started_at: '2026-01-01T00:00:00Z' }, lastAttempt: { ...healthy.lastAttempt!, failed_nodes: ['a/x'] } };
    expect(lineageBadge(facts)).toEqual({ badge: 'running', reason: 'a build is running (run r3, since 2026-01-01T00:00:00Z)' });
  });

  it('failing: a task of the dataset failed in its last build (before a quarantine or a denial)', () => {
    const facts: BadgeFacts = {
      ...healthy,
      lastAttempt: { run_id: 'r4', status: 'failed', failed_nodes: ['a/transform'], skipped_nodes: ['a/qa'] },
      newest: { dataset_version_id: '2017.bbbbbbbb', status: 'quarantined', failed_checks: [] },
    };
    expect(lineageBadge(facts)).toEqual({ badge: 'failing', reason: 'the last build (run r4) failed at a/transform' });
  });

  it('degraded: the newest version is quarantined (its QA failed), with the failed checks', () => {
    const facts: BadgeFacts = { ...healthy, lastAttempt: { ...healthy.lastAttempt!, status: 'failed' }, newest: { dataset_version_id: '2017.bbbbbbbb', status: 'quarantined', failed_checks: ['QA failed: feature_count = 3 (>= 200)'] } };
    expect(lineageBadge(facts)).toEqual({ badge: 'degraded', reason: 'the newest version 2017.bbbbbbbb is quarantined (QA failed: feature_count = 3 (>= 200))' });
  });

  it('degraded: the last promotion was denied, with its reason (also before anything is live)', () => {
    const reason = 'promotion of 2017.cccccccc denied (B DENY): latest_version_id stays 2017.aaaaaaaa';
    const denied: BadgeFacts = { ...healthy, newest: { dataset_version_id: '2017.cccccccc', status: 'candidate', failed_checks: [] }, lastPromotion: { dataset_version_id: '2017.cccccccc', decision: 'denied', reason } };
    expect(lineageBadge(denied)).toEqual({ badge: 'degraded', reason });
    expect(lineageBadge({ ...denied, latest_version_id: null })).toEqual({ badge: 'degraded', reason });
  });

  it('degraded: the last build was interrupted, or skipped the dataset after a failure elsewhere', () => {
    expect(lineageBadge({ ...healthy, lastAttempt: { run_id: 'r5', status: 'interrupted', failed_nodes: [], skipped_nodes: [] } })).toEqual({ badge: 'degraded', reason: 'the last build (run r5) was interrupted' });
    expect(lineageBadge({ ...healthy, lastAttempt: { run_id: 'r6', status: 'failed', failed_nodes: [], skipped_nodes: ['a/join'] } })).toEqual({
      badge: 'degraded',
      reason: 'the last build (run r6) skipped a/join after a failure elsewhere',
    });
  });

  it('degraded: the live version did not pass QA (a steward override), or its report is unreadable', () => {
    expect(lineageBadge({ ...healthy, live_validation: 'fail' })).toEqual({ badge: 'degraded', reason: 'the live version 2017.aaaaaaaa has QA status fail' });
    expect(lineageBadge({ ...healthy, live_validation: 'unknown' }).badge).toBe('degraded');
  });

  it('unknown: nothing is live yet (only candidates, or never built)', () => {
    const candidate: BadgeFacts = { ...healthy, latest_version_id: null, lastPromotion: null, live_validation: 'unknown', newest: { dataset_version_id: '2017.dddddddd', status: 'candidate', failed_checks: [] } };
    expect(lineageBadge(candidate)).toEqual({ badge: 'unknown', reason: 'nothing promoted yet (newest version 2017.dddddddd is a candidate)' });
    expect(lineageBadge({ ...candidate, newest: null, lastAttempt: null })).toEqual({ badge: 'unknown', reason: 'never built' });
  });

  it('a later granted promotion clears a denial', () => {
    expect(lineageBadge({ ...healthy, lastPromotion: { dataset_version_id: '2017.aaaaaaaa', decision: 'promoted', reason: 'promoted' } }).badge).toBe('healthy');
  });
});

describe('a running run', () => {
  const holder = { pid: 1, command: 'kfm build ks_places', started_at: '2026-01-01T00:00:00.000Z' };
  const run = { status: 'running' as const, startedAt: '2026-01-01T00:00:01.000Z' };
  it('runs only while a live kfm build that took the lock before it began holds the lock', () => {
    expect(isRunLive(run, holder)).toBe(true);
    expect(isRunLive(run, undefined)).toBe(false);
    expect(isRunLive({ ...run, status: 'succeeded' }, holder)).toBe(false);
    // A build killed mid-run left its run `running`; a promotion or a later build holds the lock now.
    expect(isRunLive(run, { ...holder, command: 'kfm promote ks_places@2017.aaaaaaaa' })).toBe(false);
    expect(isRunLive(run, { ...holder, started_at: '2026-01-01T00:00:02.000Z' })).toBe(false);
  });
});
