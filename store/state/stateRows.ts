import type { Digest } from '../../core/digest.js';
import type { FailedCheck } from '../../core/failedCheck.js';
import type { Json } from '../../core/json.js';
import type { OutputRecord } from '../../core/outputRecord.js';
import type { NodeResult } from './resultStore.js';
import type { RunRecord } from './runLog.js';
import type { VersionRecord } from './versionStore.js';

/**
 * The rows of the state's `results` and `versions` tables as SQL returns them (the same
 * columns in SQLite, store/state.ts, and PostgreSQL, store/postgres/pgState.ts), and the
 * records they are read back as.
 */
export interface VersionRow {
  dataset_version_id: string;
  dataset_slug: string;
  slice: string;
  spec_hash: Digest;
  inputs_digest: Digest;
  outputs_digest: Digest;
  run_id: string;
  created_at: string;
  spec_document: string | null;
  task_code: string | null;
  raw_inputs: string | null;
  mode: string | null;
  mode_reason: string | null;
  failed_checks: string | null;
}

export function fromVersionRow(r: VersionRow): VersionRecord {
  return {
    datasetVersionId: r.dataset_version_id,
    datasetSlug: r.dataset_slug,
    slice: r.slice,
    specHash: r.spec_hash,
    inputsDigest: r.inputs_digest,
    outputsDigest: r.outputs_digest,
    runId: r.run_id,
    createdAt: r.created_at,
    specDocument: r.spec_document === null ? null : (JSON.parse(r.spec_document) as Json),
    taskCode: r.task_code === null ? null : (JSON.parse(r.task_code) as Record<string, [string, Digest][]>),
    rawInputs: r.raw_inputs === null ? null : (JSON.parse(r.raw_inputs) as [string, Digest][]),
    mode: r.mode,
    modeReason: r.mode_reason,
    failedChecks: r.failed_checks === null ? null : (JSON.parse(r.failed_checks) as FailedCheck[]),
  };
}

export interface ResultRow {
  key: Digest;
  node_id: string;
  key_doc: string;
  outputs: string;
  outputs_digest: Digest;
  meta: string;
  run_id: string;
  finished_at: string;
  duration_ms: number;
}

export function fromResultRow(row: ResultRow): NodeResult {
  return {
    nodeId: row.node_id,
    key: row.key,
    keyDoc: row.key_doc,
    outputs: JSON.parse(row.outputs) as OutputRecord[],
    outputsDigest: row.outputs_digest,
    meta: JSON.parse(row.meta) as Json,
    runId: row.run_id,
    finishedAt: row.finished_at,
    durationMs: row.duration_ms,
  };
}

/** A version's column values in `versions` column order (dataset_version_id … failed_checks): what both backends insert. */
export function versionRowValues(v: VersionRecord): unknown[] {
  const json = (x: unknown) => (x === undefined || x === null ? null : JSON.stringify(x));
  return [
    v.datasetVersionId,
    v.datasetSlug,
    v.slice,
    v.specHash,
    v.inputsDigest,
    v.outputsDigest,
    v.runId,
    v.createdAt,
    json(v.specDocument),
    json(v.taskCode),
    json(v.rawInputs),
    v.mode ?? null,
    v.modeReason ?? null,
    json(v.failedChecks),
  ];
}

export interface RunRow {
  run_id: string;
  started_at: string;
  ended_at: string | null;
  targets: string;
  jobs: number;
  status: RunRecord['status'];
}

export function fromRunRow(r: RunRow): RunRecord {
  return { runId: r.run_id, startedAt: r.started_at, endedAt: r.ended_at, targets: JSON.parse(r.targets) as string[], jobs: r.jobs, status: r.status };
}
