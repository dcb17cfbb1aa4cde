import type { BuildSummary } from '../../engine/run/buildSummary.js';
import type { BuildEvent } from '../../engine/run/event.js';

/** Renders engine events. Plain lines, JSON, or the Ink UI: all behind this seam. */
export interface Reporter {
  event(e: BuildEvent): void;
  /**
   * Called once with the build's summary (or undefined when it failed before starting).
   * The build command awaits it, so a UI can draw its last frame before the process exits.
   */
  finish(summary: BuildSummary | undefined): void | Promise<void>;
}

export type Write = (text: string) => void;
