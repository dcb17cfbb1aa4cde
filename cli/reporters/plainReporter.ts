import type { BuildSummary } from '../../engine/run/buildSummary.js';
import { describeReason } from '../../engine/keys/describeReason.js';
import { versionStageText } from './versionStageText.js';
import { describeSkip } from '../../engine/run/describeSkip.js';
import { formatLocation, unreachable } from '../../core/error.js';
import { noticeLine } from './noticeLine.js';
import type { BuildEvent } from '../../engine/run/event.js';
import { integrityLineText } from './integrityLineText.js';
import { watchLineText } from './watchLineText.js';
import { quarantineLineText } from './quarantineLineText.js';
import { determinismCheckedText, nodeDeterminismLines } from './determinismText.js';
import type { Reporter, Write } from './reporter.js';

const PROGRESS_EVERY_MS = 2000;

/** One line per event, for pipes, files and CI logs. */
export class PlainReporter implements Reporter {
  readonly #out: Write;
  readonly #err: Write;
  readonly #verbose: boolean;
  #shared = 0;
  #rejected = 0;
  readonly #lastProgress = new Map<string, number>();

  readonly #pending: string[] = [];
  #pendingBytes = 0;
  #flushScheduled = false;

  constructor(out: Write, err: Write, options: { verbose?: boolean } = {}) {
    // Lines are written in batches (one write per turn of the event loop, or per 64 KiB):
    // a build of many small tasks prints two lines per task.
    this.#out = (text) => {
      this.#pending.push(text);
      this.#pendingBytes += text.length;
      if (this.#pendingBytes >= 65536) this.#flush();
      else if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        setImmediate(() => this.#flush());
      }
    };
    this.#write = out;
    this.#err = (text) => {
      this.#flush();
      err(text);
    };
    this.#verbose = options.verbose ?? false;
  }

  readonly #write: Write;

  #flush(): void {
    this.#flushScheduled = false;
    if (this.#pending.length === 0) return;
    const text = this.#pending.join('');
    this.#pending.length = 0;
    this.#pendingBytes = 0;
    this.#write(text);
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
        this.#rejected++;
        this.#err(noticeLine(e));
        return;
      case 'build-start':
        this.#out(`build ${e.runId}: ${e.nodes.length} nodes, ${e.jobs} job${e.jobs === 1 ? '' : 's'}\n`);
        return;
      case 'node-cached':
        if (e.shared) this.#shared++;
        if (this.#verbose) this.#out(`${e.shared ? 'shared ' : 'cached '}  ${e.id}\n`);
        return;
      case 'node-start':
        this.#out(`run      ${e.id} (${describeReason(e.reason)})\n`);
        return;
      case 'node-log':
        this.#out(`  ${e.id}: ${e.level === 'info' ? '' : `${e.level}: `}${e.message}\n`);
        return;
      case 'node-progress': {
        const now = Date.now();
        if (now - (this.#lastProgress.get(e.id) ?? 0) < PROGRESS_EVERY_MS) return;
        this.#lastProgress.set(e.id, now);
        const total = e.total !== undefined ? `/${e.total}` : '';
        this.#out(`  ${e.id}: ${e.done}${total}${e.unit ? ` ${e.unit}` : ''}\n`);
        return;
      }
      case 'node-done':
        this.#out(`done     ${e.id} in ${seconds(e.durationMs)} (${e.outputs} output${e.outputs === 1 ? '' : 's'})\n`);
        return;
      case 'node-failed':
        this.#out(`FAILED   ${e.id}: ${e.error.message}${e.error.location ? `\n         at ${e.error.location}` : ''}\n`);
        return;
      case 'node-skipped':
        this.#out(`skipped  ${e.id} (${describeSkip(e.because)})\n`);
        return;
      case 'dataset-version':
        this.#out(`version  ${e.dataset}@${e.datasetVersionId} (${e.mode}: ${e.reason})\n`);
        return;
      case 'receipts-recorded': {
        const seqs = e.firstSeq === e.lastSeq ? `${e.firstSeq}` : `${e.firstSeq}-${e.lastSeq}`;
        this.#out(`receipts ${e.dataset}@${e.datasetVersionId}: ${e.count} signed, ledger seq ${seqs}\n`);
        return;
      }
      case 'dataset-linked':
        this.#out(`linked   ${e.dataset}@${e.datasetVersionId} (${e.paths} files under data/)\n`);
        return;
      case 'version-stage':
        this.#out(`${versionStageText(e)}\n`);
        return;
      case 'dataset-quarantined':
        this.#out(`${quarantineLineText(e)}\n`);
        return;
      case 'object-corrupt':
        this.#err(`kfm: ${integrityLineText.objectCorrupt(e)}\n`);
        return;
      case 'data-file-restored':
        this.#err(`kfm: ${integrityLineText.dataFileRestored(e)}\n`);
        return;
      case 'build-error':
        this.#err(`kfm: ${e.location ? `${formatLocation(e.location)}: ` : ''}${e.message}\n`);
        return;
      case 'watch-waiting':
        this.#out(`${watchLineText.waiting(e.files, e.patterns)}\n`);
        return;
      case 'watch-change':
        this.#out(`${watchLineText.change(e.paths)}\n`);
        return;
      case 'watch-pending':
        this.#out(`${watchLineText.pending(e.paths, e.interrupt)}\n`);
        return;
      case 'watch-error':
        // As `kfm build` prints the error it exits on.
        this.#err(`kfm: ${e.location ? `${formatLocation(e.location)}: ` : ''}${e.message}\n`);
        return;
      case 'node-determinism':
        this.#out(nodeDeterminismLines(e).map((l) => `${l}\n`).join(''));
        return;
      case 'determinism-checked':
        this.#out(`${determinismCheckedText(e)}\n`);
        return;
      case 'build-end': {
        const c = e.counts;
        this.#out(
          `build ${e.status}: ${c.executed} executed, ${c.cached} cached${this.#sharedText()}, ${c.failed} failed, ${c.skipped} skipped in ${seconds(e.durationMs)}\n`,
        );
        return;
      }
      default:
        unreachable(e);
    }
  }

  /** ` (N from the shared cache, M entries rejected)` when the shared cache was asked. */
  #sharedText(): string {
    const parts = [...(this.#shared > 0 ? [`${this.#shared} from the shared cache`] : []), ...(this.#rejected > 0 ? [`${this.#rejected} shared-cache entr${this.#rejected === 1 ? 'y' : 'ies'} rejected`] : [])];
    return parts.length > 0 ? ` (${parts.join(', ')})` : '';
  }

  finish(_summary: BuildSummary | undefined): void {
    this.#flush();
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)}s`;
}
