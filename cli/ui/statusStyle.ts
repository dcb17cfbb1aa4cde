import type { NodeState } from './buildViewModel.js';

export interface StatusStyle {
  glyph: string;
  /** An Ink colour name. */
  color: string;
  /** How the state reads in words. */
  label: string;
}

/** One glyph and colour per node state, shared by node lines, dataset lines and counts. */
export const STATUS_STYLE: Readonly<Record<NodeState, StatusStyle>> = {
  queued: { glyph: '·', color: 'gray', label: 'queued' },
  running: { glyph: '▸', color: 'cyan', label: 'running' },
  cached: { glyph: '○', color: 'blue', label: 'cached' },
  done: { glyph: '✓', color: 'green', label: 'executed' },
  failed: { glyph: '✗', color: 'red', label: 'failed' },
  skipped: { glyph: '–', color: 'yellow', label: 'skipped' },
};
