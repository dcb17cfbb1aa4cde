/** Why a node did not run (the `node-skipped` event and the build report's `skipped_because`). */
export type SkipReason =
  /** An upstream node failed (or was skipped because one did): `upstream` is the failed node. */
  | { type: 'upstream-failed'; upstream: string }
  /** The build was interrupted before the node began. */
  | { type: 'interrupted' }
  /** A node failed without keepGoing, so nothing new started after it. */
  | { type: 'stopped-after-failure' };
