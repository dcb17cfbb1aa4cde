import type { BuildSummary } from '../../engine/build.js';
import type { BuildEvent } from '../../engine/event.js';
import type { Reporter, Write } from './reporter.js';

export const BUILD_REPORT_VERSION = 'v1';

/** Prints one JSON document at the end (schemas/build-report.schema.json). */
export class JsonReporter implements Reporter {
  readonly #out: Write;
  readonly #err: Write;
  readonly #errors: string[] = [];

  constructor(out: Write, err: Write) {
    this.#out = out;
    this.#err = err;
  }

  event(e: BuildEvent): void {
    if (e.type === 'lock-waiting') this.#err(`kfm: waiting for the project lock held by ${e.holder}\n`);
    if (e.type === 'build-error') this.#errors.push(e.message);
  }

  finish(summary: BuildSummary | undefined): void {
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
        ...(n.durationMs !== undefined ? { duration_ms: n.durationMs } : {}),
      })),
      versions: summary.versions.map((v) => ({
        dataset_slug: v.dataset,
        slice: v.slice,
        dataset_version_id: v.datasetVersionId,
        spec_hash: v.specHash,
        inputs_digest: v.inputsDigest,
        created: v.created,
      })),
      errors: this.#errors,
      counts: summary.counts,
      duration_ms: summary.durationMs,
    };
    this.#out(JSON.stringify(report, null, 2) + '\n');
  }
}
