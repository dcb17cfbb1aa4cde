import type { BuildSummary } from '../../engine/build.js';
import type { BuildEvent } from '../../engine/event.js';

/** Renders engine events. Plain lines, JSON, or (later) the Ink UI: all behind this seam. */
export interface Reporter {
  event(e: BuildEvent): void;
  /** Called once with the build's summary (or undefined when it failed before starting). */
  finish(summary: BuildSummary | undefined): void;
}

export type Write = (text: string) => void;
