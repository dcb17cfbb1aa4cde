/**
 * The terminal UI: a live dataset → node tree drawn with Ink. Loaded only by a dynamic
 * `import()` in chooseReporter.ts: Ink and React take about half a second to import, which
 * plain and JSON builds (and every other command) must not pay.
 */
import { render, type Instance } from 'ink';
import type { BuildSummary } from '../../engine/run/buildSummary.js';
import type { BuildEvent } from '../../engine/run/event.js';
import { BuildView } from '../ui/BuildView.js';
import { addNotice, applyEvents, endBuildView, initialBuildView, type BuildViewState, type TimedEvent } from '../ui/buildViewModel.js';
import type { Reporter } from './reporter.js';

/** Events are applied once per frame, and elapsed times tick at this rate. */
const FRAME_MS = 100;

/** The frame's height limit when the stream does not say how tall the terminal is. */
const FALLBACK_ROWS = 40;

export interface InkReporterOptions {
  /** Where to draw (default: process.stdout). */
  stdout?: NodeJS.WriteStream;
  /**
   * The terminal's stderr, whose writes while the UI draws (the CLI's "interrupted" line)
   * become notices in the frame instead of tearing it. Default: process.stderr when both it
   * and `stdout` are terminals; pass null to leave stderr alone.
   */
  stderr?: NodeJS.WriteStream | null;
  clock?: () => number;
}

export class InkReporter implements Reporter {
  readonly #stdout: NodeJS.WriteStream;
  readonly #stderr: NodeJS.WriteStream | undefined;
  readonly #clock: () => number;
  #state: BuildViewState = initialBuildView();
  #pending: TimedEvent[] = [];
  #ink: Instance | undefined;
  #timer: NodeJS.Timeout | undefined;
  #restoreStderr: (() => void) | undefined;

  constructor(options: InkReporterOptions = {}) {
    this.#stdout = options.stdout ?? process.stdout;
    const stderr = options.stderr === undefined ? (this.#stdout.isTTY && process.stderr.isTTY ? process.stderr : null) : options.stderr;
    this.#stderr = stderr ?? undefined;
    this.#clock = options.clock ?? Date.now;
  }

  event(e: BuildEvent): void {
    this.#pending.push({ event: e, at: this.#clock() });
    // Mounted on the first event, so a build that fails before it starts draws nothing.
    if (this.#ink) return;
    this.#ink = render(this.#frame(), { stdout: this.#stdout, exitOnCtrlC: false, patchConsole: false, maxFps: 1000 / FRAME_MS });
    this.#timer = setInterval(() => this.#tick(), FRAME_MS);
    this.#timer.unref();
    this.#captureStderr();
  }

  /** Draws the final state, unmounts, and leaves that last frame on the screen. */
  async finish(_summary: BuildSummary | undefined): Promise<void> {
    clearInterval(this.#timer);
    const ink = this.#ink;
    if (!ink) return;
    this.#state = endBuildView(applyEvents(this.#state, this.#pending), this.#clock());
    this.#pending = [];
    ink.rerender(this.#frame());
    ink.unmount();
    await ink.waitUntilExit();
    this.#restoreStderr?.();
  }

  #tick(): void {
    const s = this.#state;
    // Redraw when events arrived, or while clocks run (elapsed times, progress markers).
    if (this.#pending.length > 0 || s.running.length > 0 || s.phase === 'waiting-lock') this.#ink?.rerender(this.#frame());
  }

  #frame() {
    if (this.#pending.length > 0) {
      this.#state = applyEvents(this.#state, this.#pending);
      this.#pending = [];
    }
    return <BuildView state={this.#state} now={this.#clock()} rows={this.#stdout.rows || FALLBACK_ROWS} />;
  }

  /** Until finish, text written to stderr is shown as a notice in the frame. */
  #captureStderr(): void {
    const stderr = this.#stderr;
    if (!stderr) return;
    const write = stderr.write;
    stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
      this.#state = addNotice(this.#state, typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      this.#ink?.rerender(this.#frame());
      const done = rest.find((a): a is (error?: Error | null) => void => typeof a === 'function');
      if (done) process.nextTick(done);
      return true;
    }) as typeof stderr.write;
    this.#restoreStderr = () => {
      stderr.write = write;
    };
  }
}
