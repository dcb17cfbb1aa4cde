import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describeFailedChecks } from '../../core/failedCheck.js';
import type { ProjectPaths } from '../../engine/load/projectPaths.js';
import { claimedReceipt, readLedgerEntries } from '../../engine/receipts/ledgerReader.js';
import { datasetStatuses, type DatasetStatus } from '../../engine/versions/datasetStatus.js';
import type { LedgerEntry } from '../../store/ledger/ledger.js';
import type { RunReceipt } from '../../store/receipts/runReceipt.js';
import { liveLockHolder, type LockHolder } from '../../store/projectLock.js';
import { isRunLive } from './liveRun.js';
import { ReadOnlyState, type RunWithNodes } from '../../store/state/readOnlyState.js';
import { lineageBadge, type BadgeFacts, type LineageBadge } from './lineageBadge.js';
import { qaFindings } from '../promotion/qaFindings.js';

/** The format of `GET /api/v1/lineage/status` (schemas/lineage-status.schema.json). */
export const LINEAGE_STATUS_VERSION = 'v1';

/** How many recent runs are scanned for a dataset's last attempted and last successful run. */
const RUNS_SCANNED = 200;

export interface RunSummary {
  run_id: string;
  status: string;
  started_at: string;
  ended_at: string | null;
}

export interface PromotionSummary {
  dataset_version_id: string;
  decision: 'promoted' | 'denied';
  overall: string | null;
  /** The receipt's mode_reason: for a denial, the gates that blocked it. */
  reason: string;
  /** The gates that did not answer PASS, each with its reasons. */
  blocking_gates: { gate: string; name: string; answer: string; reasons: string[] }[];
  run_id: string | null;
  seq: number;
  created_at: string;
}

export interface DatasetLineage {
  dataset_slug: string;
  title: string;
  policy_label: string;
  /** The live version (the registry's latest_version_id); null until the first promotion. */
  current_dataset_version_id: string | null;
  /** The last version built, and its status. */
  newest_dataset_version_id: string | null;
  newest_status: string | null;
  last_successful_run: RunSummary | null;
  last_attempted_run: RunSummary | null;
  /** The live version's QA status (its validation report): `pass`, `fail` or `unknown`. */
  validation_status: string;
  /** "Last validated and promoted": the live version's newest QA receipt and its granted promotion. */
  freshness: { last_validated_at: string | null; last_promoted_at: string | null };
  badge: LineageBadge;
  badge_reason: string;
  last_promotion: PromotionSummary | null;
  versions: number;
}

export interface LineageStatusReport {
  kfm_lineage_status_version: typeof LINEAGE_STATUS_VERSION;
  datasets: DatasetLineage[];
}

/**
 * Every registered dataset's lineage status: the registry (`kfm status`'s datasetStatuses),
 * the audit ledger (promote and QA receipts) and the state's recent runs, all read-only
 * (the state and the ledger in WAL mode, so a running build never blocks it; the project
 * lock is never taken, only `.kfm/lock.holder` read). The badge is lineageBadge.ts's rule.
 */
export async function lineageStatus(paths: ProjectPaths): Promise<LineageStatusReport> {
  const ledger = await readLedgerEntries(paths.kfmDir);
  const statuses = await datasetStatuses(paths, undefined, ledger);
  // Each entry's receipt decoded once (a promote's gates, a QA receipt).
  const bySlug = new Map<string, Claimed[]>();
  for (const e of ledger) {
    if (e.datasetSlug === null) continue;
    let list = bySlug.get(e.datasetSlug);
    if (!list) bySlug.set(e.datasetSlug, (list = []));
    list.push({ e, r: claimedReceipt(e) });
  }
  const state = ReadOnlyState.open(paths.statePath);
  let runs: RunWithNodes[];
  try {
    runs = state?.recentRuns(RUNS_SCANNED) ?? [];
  } finally {
    state?.close();
  }
  const holder = liveLockHolder(paths.kfmDir);
  return {
    kfm_lineage_status_version: LINEAGE_STATUS_VERSION,
    datasets: statuses.map((d) => datasetLineage(paths, d, bySlug.get(d.dataset_slug) ?? [], runs, holder)),
  };
}

type Claimed = { e: LedgerEntry; r: Partial<RunReceipt> | undefined };

function datasetLineage(paths: ProjectPaths, d: DatasetStatus, entries: Claimed[], runs: RunWithNodes[], holder: LockHolder | undefined): DatasetLineage {
  const slug = d.dataset_slug;
  const covering = runs.filter((r) => covers(r, slug));
  const attempt = covering[0];
  const success = covering.find((r) => r.status === 'succeeded');
  const running = attempt && isRunLive(attempt, holder) ? attempt : undefined;
  const newest = d.versions[d.versions.length - 1];
  const live = d.latest_version_id;
  const promotions = entries.filter(({ r }) => r?.operation === 'promote');
  const lastPromotion = promotions.length > 0 ? promotionSummary(promotions[promotions.length - 1]!.e) : null;
  const granted = promotions.filter(({ e, r }) => e.datasetVersionId === live && r?.validation?.status === 'pass');
  const qa = entries.filter(({ e, r }) => e.datasetVersionId === live && r?.operation === 'qa').map(({ e }) => e);
  const liveVersion = d.versions.find((v) => v.dataset_version_id === live);
  const qaReport = liveVersion ? qaFindings(paths.dataDir, slug, liveVersion.dataset_version_id, liveVersion.status === 'published' && !hasProcessed(paths, slug, liveVersion.dataset_version_id) ? 'quarantined' : liveVersion.status) : undefined;
  const validation = qaReport?.status === 'ok' ? qaReport.value.status : 'unknown';
  const nodesOf = (r: RunWithNodes, status: string) => r.nodes.filter((n) => n.nodeId.startsWith(`${slug}/`) && n.status === status).map((n) => n.nodeId);
  const facts: BadgeFacts = {
    running: running ? { run_id: running.runId, started_at: running.startedAt } : null,
    lastAttempt: attempt && attempt.status !== 'running' ? { run_id: attempt.runId, status: attempt.status, failed_nodes: nodesOf(attempt, 'failed'), skipped_nodes: nodesOf(attempt, 'skipped') } : null,
    newest: newest ? { dataset_version_id: newest.dataset_version_id, status: newest.status, failed_checks: newest.failed_checks ? [describeFailedChecks(newest.failed_checks)] : [] } : null,
    latest_version_id: live,
    live_validation: validation,
    lastPromotion,
  };
  const decision = lineageBadge(facts);
  return {
    dataset_slug: slug,
    title: d.title,
    policy_label: d.policy_label,
    current_dataset_version_id: live,
    newest_dataset_version_id: newest?.dataset_version_id ?? null,
    newest_status: newest?.status ?? null,
    last_successful_run: success ? runSummary(success) : null,
    last_attempted_run: attempt ? runSummary(attempt) : null,
    validation_status: validation,
    freshness: {
      last_validated_at: qa.length > 0 ? qa[qa.length - 1]!.createdAt : null,
      last_promoted_at: granted.length > 0 ? granted[granted.length - 1]!.e.createdAt : null,
    },
    badge: decision.badge,
    badge_reason: decision.reason,
    last_promotion: lastPromotion,
    versions: d.versions.length,
  };
}

/** A version published by a steward's override lives in quarantine/ (no processed/ folder). */
function hasProcessed(paths: ProjectPaths, slug: string, dvid: string): boolean {
  return existsSync(join(paths.dataDir, 'processed', slug, dvid));
}

/** A run covers a dataset when it recorded one of its nodes, or (still running, nodes unrecorded) names it as a target. */
function covers(run: RunWithNodes, slug: string): boolean {
  if (run.nodes.some((n) => n.nodeId.startsWith(`${slug}/`))) return true;
  return run.status === 'running' && (run.targets.length === 0 || run.targets.some((t) => /^[a-z0-9_]+/.exec(t)?.[0] === slug));
}

function runSummary(r: RunWithNodes): RunSummary {
  return { run_id: r.runId, status: r.status, started_at: r.startedAt, ended_at: r.endedAt };
}

/** A promote receipt, as the lineage shows it. */
export function promotionSummary(e: LedgerEntry): PromotionSummary {
  const r = claimedReceipt(e);
  const params = (r?.environment?.parameters ?? {}) as { decision?: string; overall?: string; gates?: PromotionSummary['blocking_gates'] };
  const granted = r?.validation?.status === 'pass';
  return {
    dataset_version_id: e.datasetVersionId ?? '',
    decision: granted ? 'promoted' : 'denied',
    overall: typeof params.overall === 'string' ? params.overall : null,
    reason: typeof r?.mode_reason === 'string' ? r.mode_reason : granted ? 'promoted' : 'promotion denied',
    blocking_gates: Array.isArray(params.gates) ? params.gates.filter((g) => g.answer !== 'PASS') : [],
    run_id: e.runId,
    seq: e.seq,
    created_at: e.createdAt,
  };
}
