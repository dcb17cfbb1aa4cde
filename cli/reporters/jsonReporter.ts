import type { BuildSummary } from '../../engine/run/buildSummary.js';
import { formatLocation, unreachable } from '../../core/error.js';
import { noticeLine } from './noticeLine.js';
import type { BuildEvent } from '../../engine/run/event.js';
import { watchLineText } from './watchLineText.js';
import type { Reporter, Write } from './reporter.js';
import type { DeterminismReport } from '../../engine/schedule/determinismCheck.js';

export const BUILD_REPORT_VERSION = 'v1';

/**
 * Prints one JSON document at the end (schemas/build-report.schema.json). With `oneLine`
 * (watch mode: one reporter per cycle) the document is one line, so the cycles make NDJSON;
 * a cycle that stops on an error prints the error document (schemas/error-report.schema.json).
 */
export class JsonReporter implements Reporter {
  readonly #out: Write;
  readonly #err: Write;
  readonly #oneLine: boolean;
  readonly #errors: string[] = [];
  /** The store-integrity events, in order (the report's `integrity`). */
  readonly #integrity: object[] = [];
  /** Shared-cache entries not used (the report's `shared_cache.rejected`). */
  readonly #rejected: object[] = [];
  #watchError: Extract<BuildEvent, { type: 'watch-error' }> | undefined;

  constructor(out: Write, err: Write, options: { oneLine?: boolean } = {}) {
    this.#out = out;
    this.#err = err;
    this.#oneLine = options.oneLine ?? false;
  }

  event(e: BuildEvent): void {
    switch (e.type) {
      case 'lock-waiting':
      case 'jobs-clamped':
      case 'audit-notice':
      case 'shared-cache-notice':
        this.#err(noticeLine(e));
        return;
      case 'shared-cache-rejected':
        this.#err(noticeLine(e));
        this.#rejected.push({ node: e.id, key: e.key, reason: e.reason });
        return;
      case 'build-error':
        this.#errors.push(e.location ? `${formatLocation(e.location)}: ${e.message}` : e.message);
        return;
      case 'object-corrupt':
        this.#integrity.push({ type: e.type, digest: e.digest, node: e.node, output: e.output, found: e.found });
        return;
      case 'data-file-restored':
        this.#integrity.push({ type: e.type, path: e.path, digest: e.digest, edited: e.edited, kept_at: e.keptAt });
        return;
      // Watch mode: stdout stays one document per cycle; what happens between goes to stderr.
      case 'watch-change':
        this.#err(`kfm: ${watchLineText.change(e.paths)}\n`);
        return;
      case 'watch-pending':
        this.#err(`kfm: ${watchLineText.pending(e.paths, e.interrupt)}\n`);
        return;
      case 'watch-error':
        this.#watchError = e;
        this.#err(`kfm: ${e.location ? `${formatLocation(e.location)}: ` : ''}${e.message}\n`);
        return;
      // In the report at the end (from the summary), or not reported.
      case 'build-start':
      case 'node-cached':
      case 'node-start':
      case 'node-log':
      case 'node-progress':
      case 'node-done':
      case 'node-failed':
      case 'node-skipped':
      case 'dataset-version':
      case 'receipts-recorded':
      case 'version-stage':
      case 'dataset-linked':
      case 'dataset-quarantined':
      case 'build-end':
      case 'watch-waiting':
      case 'node-determinism':
      case 'determinism-checked':
        return;
      default:
        unreachable(e);
    }
  }

  finish(summary: BuildSummary | undefined): void {
    const e = this.#watchError;
    if (!summary && e) {
      this.#print({ kfm_error_version: 'v1', error: { code: e.code, message: e.message, location: e.location ?? null } });
      return;
    }
    if (!summary) return;
    const report = {
      kfm_build_report_version: BUILD_REPORT_VERSION,
      run_id: summary.runId,
      status: summary.status,
      nodes: summary.nodes.map((n) => ({
        id: n.id,
        status: n.status,
        key: n.key,
        ...(n.reason ? { reason: n.reason } : {}),
        ...(n.error ? { error: n.error } : {}),
        ...(n.because ? { skipped_because: n.because } : {}),
        ...(n.durationMs !== undefined ? { duration_ms: n.durationMs } : {}),
        ...(n.shared ? { from_shared_cache: true } : {}),
      })),
      versions: summary.versions.map((v) => ({
        dataset_slug: v.dataset,
        slice: v.slice,
        dataset_version_id: v.datasetVersionId,
        spec_hash: v.specHash,
        inputs_digest: v.inputsDigest,
        created: v.created,
        mode: v.mode,
        mode_reason: v.modeReason,
        receipts: v.receipts,
        stages: v.stages.map((st) => ({
          stage: st.stage,
          status: st.status,
          key: st.key,
          reason: st.reason,
          paths: st.paths,
          receipt: st.receipt ? { run_id: st.receipt.runId, seq: st.receipt.seq } : null,
          problems: st.problems,
        })),
        status: v.status,
        failed_checks: v.failedChecks,
      })),
      errors: this.#errors,
      integrity: this.#integrity,
      ...(summary.determinism ? { determinism: determinismReport(summary.determinism) } : {}),
      ...(summary.sharedCache ? { shared_cache: { hits: summary.nodes.filter((n) => n.shared).length, rejected: this.#rejected } } : {}),
      counts: summary.counts,
      duration_ms: summary.durationMs,
    };
    this.#print(report);
  }

  #print(document: object): void {
    this.#out((this.#oneLine ? JSON.stringify(document) : JSON.stringify(document, null, 2)) + '\n');
  }
}

/** The build report's `determinism` block (snake_case, schemas/build-report.schema.json). */
function determinismReport(d: DeterminismReport): object {
  return {
    executed: d.executed,
    checked: d.findings.length,
    failed: d.failed,
    nodes: d.findings.map((f) => ({
      id: f.id,
      deterministic: f.deterministic,
      declared_nondeterministic: f.declared,
      differing: f.differing.map((x) => ({
        name: x.name,
        first_digest: x.first,
        second_digest: x.second,
        ...(x.firstDifference ? { first_difference: x.firstDifference } : {}),
      })),
      ...(f.error !== undefined ? { error: f.error } : {}),
    })),
  };
}
