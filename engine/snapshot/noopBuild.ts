import { statSync } from 'node:fs';
import { FileProjectLock } from '../../store/projectLock.js';
import type { BuildSummary, NodeSummary } from '../run/buildSummary.js';
import type { Digest } from '../../core/digest.js';
import type { EventSink } from '../run/event.js';
import { systemClock, type Clock } from '../../core/clock.js';
import { kfmVersion } from '../../core/kfmVersion.js';
import { projectPaths } from '../load/projectPaths.js';
import { seamConfig } from '../load/seamConfig.js';
import { newRunId } from '../../core/runId.js';
import { checkSnapshot, engineId, environmentDigest, snapshotPath } from './snapshot.js';
import { compareCodePoints } from '../../core/compareCodePoints.js';

/**
 * The fast path of `kfm build`: when a snapshot of the same targets still holds (see
 * engine/snapshot/snapshot.ts), every node is cached and the build is over without loading the
 * kfmfile, the worker pool, the state database or any file's contents (and, having run
 * nothing, records nothing: unversioned builds write no receipts). Returns undefined when it does not hold
 * (or another build holds the lock): the caller then runs the full build.
 */
export function tryNoopBuild(args: {
  kfmfile: string;
  targets: string[];
  jobs: number;
  onEvent: EventSink;
  /** What the build's duration is read from (default: the system's clocks). */
  clock?: Clock;
}): BuildSummary | undefined {
  const clock = args.clock ?? systemClock;
  const started = clock.monotonicMs();
  if (args.targets.some((t) => t.includes('@'))) return undefined;
  // A snapshot describes the local state and store: with another backend, the full build.
  if (!seamConfig().local) return undefined;
  const paths = projectPaths(args.kfmfile);
  const snapPath = snapshotPath(paths.kfmDir, args.targets);
  if (!statSync(snapPath, { throwIfNoEntry: false })) return undefined;
  // The file lock's synchronous tryAcquire, on purpose: this path must answer without a turn
  // of the event loop or opening any seam (no state, no store). A project on another lock
  // backend has no snapshot fast path (its snapshot would not describe its state).
  const lock = new FileProjectLock(paths.kfmDir);
  try {
    if (!lock.tryAcquire(`kfm build ${args.targets.join(' ')}`.trim())) return undefined;
    const snap = checkSnapshot(snapPath, {
      engine: engineId(kfmVersion()),
      env: environmentDigest(),
      statePath: paths.statePath,
      storeDir: paths.storeDir,
      targets: args.targets,
    });
    if (!snap) return undefined;
    const runId = newRunId(clock.now());
    const ids = snap.nodes.map(([id]) => id);
    args.onEvent({ type: 'build-start', runId, targets: args.targets, nodes: ids, jobs: args.jobs });
    const nodes: NodeSummary[] = [];
    for (const [id, key] of snap.nodes) {
      nodes.push({ id, status: 'cached', key: key as Digest });
      args.onEvent({ type: 'node-cached', id, key: key as Digest });
    }
    nodes.sort((a, b) => compareCodePoints(a.id, b.id));
    const counts = { executed: 0, cached: nodes.length, failed: 0, skipped: 0 };
    const durationMs = Math.round(clock.monotonicMs() - started);
    args.onEvent({ type: 'build-end', runId, status: 'succeeded', counts, durationMs });
    return { runId, status: 'succeeded', nodes, versions: [], counts, durationMs };
  } finally {
    lock.close();
  }
}
