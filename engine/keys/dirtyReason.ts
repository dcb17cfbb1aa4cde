import type { Digest } from '../../core/digest.js';
import type { Json } from '../../core/json.js';

/** Why a node must run (`kfm explain`, `kfm plan`, and the `node-start` event). */
export type DirtyReason =
  /** The node has never succeeded. */
  | { type: 'no-previous-run' }
  /** The node is declared `always` (e.g. an HTTP fetch that revalidates). */
  | { type: 'always' }
  /** The key format changed since the stored result. */
  | { type: 'key-format'; old: number; new: number }
  /** A declared input file changed, appeared or disappeared. */
  | { type: 'input-changed'; path: string; old: Digest | null; new: Digest | null }
  /**
   * A parameter changed, appeared or went (a JSON pointer into params, as `diffJsonPointers`
   * gives it): an added side has no `old`, a removed one no `new`.
   */
  | { type: 'param-changed'; pointer: string; old?: Json; new?: Json }
  /** A file of the task's code changed. */
  | { type: 'code-changed'; file: string; old: Digest | null; new: Digest | null }
  /** An upstream node's outputs changed. */
  | { type: 'upstream-changed'; upstream: string; old: Digest | null; new: Digest | null }
  /** An upstream node will run first; whether its outputs change is not known yet. */
  | { type: 'upstream-pending'; upstream: string }
  /** The key matches, but a stored output is missing or damaged, so the node reruns. */
  | { type: 'output-missing'; output: string; digest: Digest }
  /** `kfm build --force` (`-B`) named the node: it runs even when its stored result stands. */
  | { type: 'forced' }
  /** The key matches a stored result (not dirty). */
  | { type: 'clean' };
