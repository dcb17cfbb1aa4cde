import { join } from 'node:path';
import type { LocalContentStore as ContentStore } from '../../store/contentStore.js';
import type { NodeResult, NodeRunStatus, State } from '../../store/state.js';
import { canonicalDigest } from '../../core/canonicalJson.js';
import type { Digest } from '../../core/digest.js';
import type { DirtyReason } from '../keys/dirtyReason.js';
import type { EventSink, NodeStatus } from '../run/event.js';
import type { Graph } from '../graph/graph.js';
import type { TaskFailure, TaskJob } from './job.js';
import type { OutputRecord } from '../../core/outputRecord.js';
import { heapGuard } from './heapGuard.js';
import type { LinkedVersion } from '../versions/linkDatasetVersion.js';
import { versionDatasets } from '../versions/versionDatasets.js';
import type { Planner } from '../plan/planner.js';
import type { TaskRunner } from './runner.js';
import type { Target } from '../graph/target.js';

export interface BuildOptions {
  graph: Graph;
  planner: Planner;
  targets: Target[];
  state: State;
  store: ContentStore;
  runner: TaskRunner;
  jobs: number;
  keepGoing: boolean;
  signal: AbortSignal;
  onEvent: EventSink;
  /** Where scratch directories go (`.kfm/scratch`). */
  scratchDir: string;
  /** The data/ tree to link versions into. */
  dataDir: string;
  /** Checks a node's params before it runs (the module's `paramsSchema`); throws a KfmError. */
  validateParams: (nodeId: string) => Promise<void>;
  runId: string;
  now?: () => Date;
}

export interface NodeSummary {
  id: string;
  status: NodeStatus;
  key: Digest | null;
  reason?: DirtyReason;
  error?: TaskFailure;
  durationMs?: number;
}

export interface BuildSummary {
  runId: string;
  status: 'succeeded' | 'failed' | 'interrupted';
  nodes: NodeSummary[];
  versions: LinkedVersion[];
  counts: Record<NodeStatus, number>;
  durationMs: number;
  /** The result each settled node built or found (not part of any report). */
  results?: Map<string, NodeResult>;
}

/** The abort reason that cancels a job only if it has not begun (see engine/runner.ts). */
export { CANCEL_IF_NOT_BEGUN } from './runner.js';
import { CANCEL_IF_NOT_BEGUN } from './runner.js';

/** Results recorded per transaction, and the longest a finished node waits to be recorded. */
const COMMIT_GROUP = 512;
const COMMIT_INTERVAL_MS = 200;

/** Digest over a node's outputs (name, digest, media type): what its dependents' keys include. */
export function outputsDigest(outputs: OutputRecord[]): Digest {
  return canonicalDigest(outputs.map((o) => [o.name, o.digest, o.media_type]));
}

/**
 * Builds the targets: nodes in dependency order, each either cached (its key matches a
 * stored result whose outputs are present) or run on the runner, at most `jobs` at once.
 * A failure skips its dependents; without keepGoing nothing new starts after it. Results
 * never depend on finishing order: a key is computed only from settled upstream outputs.
 */
export async function build(o: BuildOptions): Promise<BuildSummary> {
  const started = Date.now();
  const now = o.now ?? (() => new Date());
  const { graph, planner, state } = o;
  const datasets = [...new Set(o.targets.map((t) => t.dataset))];
  const scope = planner.scope(datasets);
  await planner.prepare(scope);

  // Check the params of every node that may run before anything runs (exit 2, nothing written).
  const assessment = planner.assess(scope);
  for (const id of scope) if (assessment.get(id)!.dirty) await o.validateParams(id);

  state.beginRun({ runId: o.runId, startedAt: now().toISOString(), targets: o.targets.map(targetText), jobs: o.jobs });
  o.onEvent({ type: 'build-start', runId: o.runId, targets: o.targets.map(targetText), nodes: scope, jobs: o.jobs });

  const summaries = new Map<string, NodeSummary>();
  const settled = new Map<string, NodeResult>();
  const pending = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  const inScope = new Set(scope);
  for (const id of scope) {
    const deps = graph.nodes.get(id)!.deps;
    pending.set(id, deps.length);
    for (const d of deps) {
      if (!inScope.has(d)) continue;
      let list = dependents.get(d);
      if (!list) dependents.set(d, (list = []));
      list.push(id);
    }
  }

  // How many jobs the runner takes at once (a pool batches them onto its threads).
  const capacity = Math.max(1, o.runner.capacity ?? o.jobs);
  let stopping = false; // a failure without keepGoing, or an interrupt
  let failed = false;
  const running = new Map<string, { promise: Promise<void>; abort: AbortController; started: () => boolean }>();
  let wake: (() => void) | null = null;
  const collectIfLarge = scope.length > 5000 ? heapGuard() : () => {};
  const wakeScheduler = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  const ready: string[] = scope.filter((id) => pending.get(id) === 0);
  let readyHead = 0;

  const skipDependents = (id: string, because: string) => {
    const stack = [...(dependents.get(id) ?? [])];
    while (stack.length > 0) {
      const d = stack.pop()!;
      if (summaries.has(d)) continue;
      summaries.set(d, { id: d, status: 'skipped', key: null });
      o.onEvent({ type: 'node-skipped', id: d, because });
      stack.push(...(dependents.get(d) ?? []));
    }
  };

  const settle = (id: string, result: NodeResult) => {
    settled.set(id, result);
    for (const d of dependents.get(id) ?? []) {
      const n = pending.get(d)! - 1;
      pending.set(d, n);
      if (n === 0) ready.push(d);
    }
  };

  const fail = (id: string, key: Digest | null, error: TaskFailure) => {
    summaries.set(id, { id, status: 'failed', key, error });
    o.onEvent({ type: 'node-failed', id, key, error });
    failed = true;
    skipDependents(id, id);
    if (!o.keepGoing && !stopping) {
      stopping = true;
      // Jobs handed to the runner but not begun do not start now.
      // (A cancel, not an interrupt: a job that did begin meanwhile runs to its end.)
      for (const r of running.values()) if (!r.started()) r.abort.abort(CANCEL_IF_NOT_BEGUN);
    }
  };

  // Results are recorded in groups: the store's file system is flushed once (deferred
  // durability, in the background), then the group is written in one transaction.
  // Dependents do not wait for it.
  // A finished node waits at most COMMIT_INTERVAL_MS (plus one flush) to be recorded.
  let uncommitted: NodeResult[] = [];
  let committing: Promise<void> | null = null;
  let timer: NodeJS.Timeout | null = null;
  const commit = (): Promise<void> => {
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
    if (committing || uncommitted.length === 0) return committing ?? Promise.resolve();
    const group = uncommitted;
    uncommitted = [];
    committing = o.store
      .syncAsync(group.flatMap((r) => r.outputs.map((out) => out.digest)))
      .then(() => state.putResults(group))
      .finally(() => {
        committing = null;
        if (uncommitted.length > 0) scheduleCommit();
      });
    return committing;
  };
  const scheduleCommit = () => {
    if (uncommitted.length >= COMMIT_GROUP) void commit();
    else timer ??= setTimeout(() => void commit(), COMMIT_INTERVAL_MS);
  };
  const commitAll = async () => {
    while (committing || uncommitted.length > 0) await (committing ?? commit());
  };

  const start = (id: string, key: Digest, keyDoc: string, reason: DirtyReason) => {
    const node = graph.nodes.get(id)!;
    const s = planner.staticParts(id);
    const upstream: TaskJob['upstream'] = {};
    for (const d of node.deps) {
      const r = settled.get(d)!;
      upstream[d] = Object.fromEntries(r.outputs.map((out) => [out.name, { ...out, absPath: o.store.pathOf(out.digest) }]));
    }
    const prev = planner.latest.get(id);
    const job: TaskJob = {
      nodeId: id,
      root: graph.root,
      codeDigest: s.codeDigest,
      dataset: node.dataset,
      task: node.task,
      modulePath: node.modulePath,
      params: node.params,
      inputs: s.inputs.map(([path, digest]) => ({ path, absPath: join(graph.root, path), digest })),
      upstream,
      // `.` is in neither a slug nor a task name, so no two nodes share a directory
      // (`/` → `__` gave `a/_b` and `a_/b` the same one).
      scratchDir: join(o.scratchDir, o.runId, `${node.dataset}.${node.task}`),
      storeDir: o.store.root,
      storeDurability: o.store.durability,
      previous: prev ? { outputs: prev.outputs, meta: prev.meta } : null,
    };
    const abort = new AbortController();
    // A runner may queue the job (batches): the node starts when the runner says so.
    let t0 = 0;
    const started = () => {
      if (t0 !== 0) return;
      t0 = Date.now();
      o.onEvent({ type: 'node-start', id, key, reason });
    };
    let finished = false;
    const promise = o.runner
      .run(
        job,
        (msg) => {
          if (msg.type === 'started') started();
          else if (finished) return;
          else if (msg.type === 'log') o.onEvent({ type: 'node-log', id, level: msg.level, message: msg.message });
          else o.onEvent({ type: 'node-progress', id, done: msg.done, ...(msg.total !== undefined ? { total: msg.total } : {}), ...(msg.unit !== undefined ? { unit: msg.unit } : {}) });
        },
        abort.signal,
      )
      .then((outcome) => {
        finished = true;
        if (!outcome.ok && outcome.notStarted) {
          summaries.set(id, { id, status: 'skipped', key: null });
          o.onEvent({ type: 'node-skipped', id, because: o.signal.aborted ? 'interrupted' : 'the build stopped after a failure' });
          return;
        }
        started();
        const durationMs = Date.now() - t0;
        if (o.signal.aborted) {
          fail(id, key, { message: 'interrupted' });
          return;
        }
        if (!outcome.ok) {
          fail(id, key, outcome.error);
          return;
        }
        const result: NodeResult = {
          nodeId: id,
          key,
          keyDoc,
          outputs: outcome.outputs,
          outputsDigest: outputsDigest(outcome.outputs),
          meta: outcome.meta,
          runId: o.runId,
          finishedAt: now().toISOString(),
          durationMs,
        };
        uncommitted.push(result);
        scheduleCommit();
        summaries.set(id, { id, status: 'executed', key, reason, durationMs });
        o.onEvent({ type: 'node-done', id, key, outputs: outcome.outputs.length, durationMs });
        settle(id, result);
      })
      .catch((e: unknown) => {
        // A bug in the handling above must not leave the node unaccounted for.
        if (!summaries.has(id)) fail(id, key, { message: `internal error: ${e instanceof Error ? e.message : String(e)}` });
      })
      .finally(() => {
        running.delete(id);
        wakeScheduler();
      });
    running.set(id, { promise, abort, started: () => t0 !== 0 });
  };

  /** Handles ready nodes: cached ones settle at once; dirty ones start while slots are free. */
  const pump = () => {
    while (readyHead < ready.length && !(stopping || o.signal.aborted)) {
      const id = ready[readyHead]!;
      if (summaries.has(id)) {
        readyHead++;
        continue;
      }
      const node = graph.nodes.get(id)!;
      const { text, key } = planner.keyOf(id, (d) => settled.get(d)!.outputsDigest);
      let reason: DirtyReason | undefined;
      if (node.always) {
        reason = { type: 'always' };
      } else {
        const latest = planner.latest.get(id);
        // A node that never succeeded has no stored result under any key.
        const hit = latest?.key === key ? latest : latest ? state.resultByKey(key) : undefined;
        if (hit) {
          const missing = planner.missingOutput(hit);
          if (!missing) {
            readyHead++;
            if (latest?.key !== key) {
              state.setLatest(id, key);
              planner.latest.set(id, hit);
            }
            summaries.set(id, { id, status: 'cached', key });
            o.onEvent({ type: 'node-cached', id, key });
            settle(id, hit);
            continue;
          }
          reason = missing;
        } else {
          reason = assessment.get(id)!.reasons[0] ?? { type: 'no-previous-run' };
          if (reason.type === 'upstream-pending') {
            const prev = planner.latest.get(id);
            const d = reason.upstream;
            reason = { type: 'upstream-changed', upstream: d, old: prev ? upstreamDigestIn(prev.keyDoc, d) : null, new: settled.get(d)!.outputsDigest };
          }
        }
      }
      if (running.size >= capacity) break;
      readyHead++;
      start(id, key, text, reason);
    }
  };

  // One listener for the build, not one per job (an EventTarget's listener list is linear).
  const onAbort = () => {
    for (const r of running.values()) r.abort.abort();
  };
  o.signal.addEventListener('abort', onAbort, { once: true });
  pump();
  while (running.size > 0) {
    // One wake-up promise per round, not a Promise.race over every running job: a race
    // leaves a reaction on each still-pending promise every round (quadratic time and memory).
    await new Promise<void>((resolve) => {
      wake = resolve;
    });
    collectIfLarge();
    pump();
  }
  o.signal.removeEventListener('abort', onAbort);
  await commitAll();

  const interrupted = o.signal.aborted;
  for (const id of scope) {
    if (!summaries.has(id)) {
      summaries.set(id, { id, status: 'skipped', key: null });
      o.onEvent({ type: 'node-skipped', id, because: interrupted ? 'interrupted' : 'the build stopped after a failure' });
    }
  }

  const versioned = interrupted
    ? { versions: [], failed: false }
    : versionDatasets({ graph, planner, targets: o.targets, results: settled, state, store: o.store, dataDir: o.dataDir, runId: o.runId, now: now().toISOString(), onEvent: o.onEvent });
  const versions = versioned.versions;
  if (versioned.failed) failed = true;

  const status: BuildSummary['status'] = interrupted ? 'interrupted' : failed ? 'failed' : 'succeeded';
  const nodes = scope.map((id) => summaries.get(id)!).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const counts: Record<NodeStatus, number> = { executed: 0, cached: 0, failed: 0, skipped: 0 };
  for (const n of nodes) counts[n.status]++;
  state.endRun(
    o.runId,
    now().toISOString(),
    status,
    nodes
      .filter((n) => n.status !== 'cached')
      .map((n) => ({ nodeId: n.id, status: n.status as NodeRunStatus, key: n.key, error: n.error ? n.error.message : null })),
  );
  const durationMs = Date.now() - started;
  o.onEvent({ type: 'build-end', runId: o.runId, status, counts, durationMs });
  return { runId: o.runId, status, nodes, versions, counts, durationMs, results: settled };
}

function targetText(t: Target): string {
  return t.slice ? `${t.dataset}@${t.slice}` : t.dataset;
}

function upstreamDigestIn(keyDoc: string, dep: string): Digest | null {
  const doc = JSON.parse(keyDoc) as { upstream?: [string, Digest][] };
  return doc.upstream?.find(([d]) => d === dep)?.[1] ?? null;
}
