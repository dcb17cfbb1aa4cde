/**
 * What the terminal UI shows, computed from engine events alone: a pure reducer, so the
 * view is a function of (state, clock) and tests need no terminal.
 *
 * `applyEvents` takes a batch: the Ink reporter buffers the events of one frame and applies
 * them together, so a build that settles 10,000 cached nodes in one tick copies its node
 * map once, not 10,000 times. The input state is never modified.
 */
import { integrityLineText } from '../reporters/integrityLineText.js';
import { describeReason } from '../../engine/keys/describeReason.js';
import { formatLocation, unreachable } from '../../core/error.js';
import { quarantineLineText } from '../reporters/quarantineLineText.js';
import { jobsClampedText } from '../reporters/jobsClampedText.js';
import type { BuildEvent } from '../../engine/run/event.js';
import type { SkipReason } from '../../engine/run/skipReason.js';
import { oneLine } from './oneLine.js';
import { splitNodeId } from './splitNodeId.js';
import { determinismCheckedText, nodeDeterminismLines } from '../reporters/determinismText.js';

export type NodeState = 'queued' | 'running' | 'cached' | 'done' | 'failed' | 'skipped';

/** In the order summaries list them. */
export const NODE_STATES: readonly NodeState[] = ['running', 'done', 'cached', 'failed', 'skipped', 'queued'];

/** How many recent log lines the view keeps. */
export const LOG_LINES = 8;

/** How many failures the view keeps details of (the count covers all of them). */
export const FAILURES_KEPT = 20;

/** How many notices (kfm's own messages while the UI draws, e.g. on Ctrl-C) the view keeps. */
export const NOTICES_KEPT = 3;

export type StateCounts = Readonly<Record<NodeState, number>>;

export interface Progress {
  done: number;
  total: number | undefined;
  unit: string | undefined;
}

export interface NodeView {
  id: string;
  dataset: string;
  task: string;
  state: NodeState;
  /** Clock time (ms) the node started running. */
  startedAt: number | undefined;
  /** How long it ran, once it is done or failed. */
  durationMs: number | undefined;
  /** Why it runs (`describeReason`). */
  reason: string | undefined;
  /** The latest progress a running task reported. */
  progress: Progress | undefined;
  /** For a skipped node: the failed upstream node, or why the build stopped. */
  skippedBecause: SkipReason | undefined;
}

export interface DatasetView {
  slug: string;
  /** In the order the engine listed them (dependencies first). */
  nodeIds: readonly string[];
  counts: StateCounts;
  /** Set once the dataset's outputs are linked under data/. */
  versionId: string | undefined;
  /** The rerun mode its build found (`new`, `retry`, `reprocess`, `backfill`), once its version is named. */
  rerunMode: string | undefined;
}

export interface LogLine {
  /** Position among all log lines of the build (a stable React key). */
  seq: number;
  id: string;
  level: 'info' | 'warn' | 'error';
  message: string;
}

export interface FailureView {
  /** The failed node; undefined for an error outside any node. */
  id: string | undefined;
  message: string;
  /** `file:line:col` when known. */
  location: string | undefined;
}

export interface BuildViewState {
  phase: 'idle' | 'waiting-lock' | 'running' | 'ended';
  runId: string | undefined;
  targets: readonly string[];
  jobs: number;
  /** Who holds the project lock while this build waits for it, and since when it waits. */
  lockHolder: string | undefined;
  lockWaitingSince: number | undefined;
  startedAt: number | undefined;
  /** The build's duration once it ended. */
  durationMs: number | undefined;
  status: 'succeeded' | 'failed' | 'interrupted' | undefined;
  nodes: ReadonlyMap<string, NodeView>;
  /** In order of their first node. */
  datasets: ReadonlyMap<string, DatasetView>;
  /** Running node ids, in start order. */
  running: readonly string[];
  counts: StateCounts;
  /** The last `LOG_LINES` lines, oldest first. */
  logs: readonly LogLine[];
  logTotal: number;
  /** The first `FAILURES_KEPT` failures (nodes and build errors), in order. */
  failures: readonly FailureView[];
  failureTotal: number;
  /** The last `NOTICES_KEPT` messages kfm printed while the UI was drawing (see `addNotice`). */
  notices: readonly string[];
  /** Watch mode: what the watcher says around this build; undefined outside watch mode. */
  watch: WatchView | undefined;
}

export interface WatchView {
  /** Between cycles: how much is watched. */
  waiting: { files: number; patterns: number } | undefined;
  /** The changed files this cycle rebuilds for (project-relative). */
  changed: readonly string[] | undefined;
  /** Files changed while the build runs, and whether that interrupts it. */
  pending: { paths: readonly string[]; interrupt: boolean } | undefined;
}

export interface TimedEvent {
  event: BuildEvent;
  /** Clock time (ms) the reporter received it. */
  at: number;
}

const zeroCounts = (): Record<NodeState, number> => ({ queued: 0, running: 0, cached: 0, done: 0, failed: 0, skipped: 0 });

export function initialBuildView(): BuildViewState {
  return {
    phase: 'idle',
    runId: undefined,
    targets: [],
    jobs: 0,
    lockHolder: undefined,
    lockWaitingSince: undefined,
    startedAt: undefined,
    durationMs: undefined,
    status: undefined,
    nodes: new Map(),
    datasets: new Map(),
    running: [],
    counts: zeroCounts(),
    logs: [],
    logTotal: 0,
    failures: [],
    failureTotal: 0,
    notices: [],
    watch: undefined,
  };
}

export function applyEvent(state: BuildViewState, event: BuildEvent, at: number): BuildViewState {
  return applyEvents(state, [{ event, at }]);
}

export function applyEvents(state: BuildViewState, events: readonly TimedEvent[]): BuildViewState {
  if (events.length === 0) return state;
  const draft = new Draft(state);
  for (const { event, at } of events) draft.apply(event, at);
  return draft.finish();
}

/**
 * A message from kfm itself rather than the engine (the CLI's "interrupted" line), shown in
 * the frame instead of written across it. Multi-line text gives one notice per line.
 */
export function addNotice(state: BuildViewState, text: string): BuildViewState {
  const lines = text.split('\n').map(oneLine).filter((l) => l !== '');
  if (lines.length === 0) return state;
  return { ...state, notices: [...state.notices, ...lines].slice(-NOTICES_KEPT) };
}

/** The build stopped without a `build-end` (an error outside the engine's control). */
export function endBuildView(state: BuildViewState, at: number): BuildViewState {
  if (state.phase === 'ended') return state;
  return { ...state, phase: 'ended', durationMs: state.startedAt === undefined ? undefined : at - state.startedAt };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** A copy-on-write working copy: each collection is copied at most once per batch. */
class Draft {
  readonly #s: Mutable<BuildViewState>;
  #nodes: Map<string, NodeView> | undefined;
  #datasets: Map<string, DatasetView> | undefined;
  readonly #ownDatasets = new Set<string>();
  readonly #ownNodeIds = new Set<string>();
  #running: string[] | undefined;
  #counts: Record<NodeState, number> | undefined;
  #logs: LogLine[] | undefined;
  #failures: FailureView[] | undefined;

  constructor(base: BuildViewState) {
    this.#s = { ...base };
  }

  apply(e: BuildEvent, at: number): void {
    const s = this.#s;
    switch (e.type) {
      case 'lock-waiting':
        s.phase = 'waiting-lock';
        s.lockHolder = e.holder;
        s.lockWaitingSince ??= at;
        return;
      case 'build-start':
        this.#start(e.runId, e.targets, e.nodes, e.jobs, at);
        return;
      case 'node-cached':
        this.#update(e.id, { state: 'cached' });
        return;
      case 'node-start':
        this.#update(e.id, { state: 'running', startedAt: at, reason: describeReason(e.reason), progress: undefined });
        return;
      case 'node-progress':
        this.#update(e.id, { progress: { done: e.done, total: e.total, unit: e.unit } });
        return;
      case 'node-log':
        this.#log(e.id, e.level, e.message);
        return;
      case 'object-corrupt':
        this.#log(e.node, 'warn', integrityLineText.objectCorrupt(e));
        return;
      case 'data-file-restored':
        this.#log('data', 'warn', integrityLineText.dataFileRestored(e));
        return;
      case 'node-done':
        this.#update(e.id, { state: 'done', durationMs: e.durationMs });
        return;
      case 'node-failed': {
        const started = this.#node(e.id).startedAt;
        this.#update(e.id, { state: 'failed', durationMs: started === undefined ? undefined : at - started });
        this.#fail({ id: e.id, message: e.error.message, location: e.error.location });
        return;
      }
      case 'node-skipped':
        this.#update(e.id, { state: 'skipped', skippedBecause: e.because });
        return;
      case 'dataset-version': {
        const ds = this.#dataset(e.dataset);
        ds.versionId = e.datasetVersionId;
        ds.rerunMode = e.mode;
        return;
      }
      case 'receipts-recorded':
      case 'version-stage':
        return;
      case 'audit-notice':
      case 'shared-cache-notice':
        s.notices = addNotice(s, e.message).notices;
        return;
      case 'shared-cache-rejected':
        s.notices = addNotice(s, `shared cache: rejected the entry for ${e.id} (key ${e.key.slice(7, 19)}): ${e.reason}; running it locally`).notices;
        return;
      case 'dataset-linked':
        this.#dataset(e.dataset).versionId = e.datasetVersionId;
        return;
      case 'dataset-quarantined':
        this.#fail({ id: undefined, message: quarantineLineText(e), location: undefined });
        return;
      case 'watch-waiting':
        s.watch = { waiting: { files: e.files, patterns: e.patterns }, changed: undefined, pending: undefined };
        return;
      case 'watch-change':
        s.watch = { waiting: undefined, changed: e.paths, pending: undefined };
        return;
      case 'watch-pending':
        s.watch = { waiting: undefined, changed: s.watch?.changed, pending: { paths: e.paths, interrupt: e.interrupt } };
        return;
      case 'watch-error':
        if (s.watch) s.watch = { ...s.watch, waiting: undefined };
        this.#fail({ id: undefined, message: e.message, location: e.location ? formatLocation(e.location) : undefined });
        return;
      case 'jobs-clamped':
        s.notices = [...s.notices, `warning: ${jobsClampedText(e)}`].slice(-NOTICES_KEPT);
        return;
      case 'build-error':
        this.#fail({ id: undefined, message: e.message, location: e.location ? formatLocation(e.location) : undefined });
        return;
      case 'node-determinism':
        // A node that differs without saying it may is a failure; the rest are notices.
        if (!e.deterministic && !e.declared) this.#fail({ id: e.id, message: nodeDeterminismLines(e).join('\n'), location: undefined });
        else if (!e.deterministic) s.notices = addNotice(s, nodeDeterminismLines(e)[0]!).notices;
        return;
      case 'determinism-checked':
        s.notices = addNotice(s, determinismCheckedText(e)).notices;
        return;
      case 'build-end':
        s.phase = 'ended';
        s.status = e.status;
        s.durationMs = e.durationMs;
        return;
      default:
        unreachable(e);
    }
  }

  #log(id: string, level: LogLine['level'], message: string): void {
    const s = this.#s;
    const logs = (this.#logs ??= [...s.logs]);
    logs.push({ seq: s.logTotal, id, level, message: oneLine(message) });
    s.logTotal++;
    // A ring buffer: trimmed in bulk so a burst of lines costs O(1) each.
    if (logs.length >= 4 * LOG_LINES) logs.splice(0, logs.length - LOG_LINES);
  }

  finish(): BuildViewState {
    const s = this.#s;
    if (this.#nodes) s.nodes = this.#nodes;
    if (this.#datasets) s.datasets = this.#datasets;
    if (this.#running) s.running = this.#running;
    if (this.#counts) s.counts = this.#counts;
    if (this.#logs) s.logs = this.#logs.length > LOG_LINES ? this.#logs.slice(-LOG_LINES) : this.#logs;
    if (this.#failures) s.failures = this.#failures;
    return s;
  }

  #start(runId: string, targets: string[], ids: string[], jobs: number, at: number): void {
    const s = this.#s;
    s.phase = 'running';
    s.runId = runId;
    s.targets = targets;
    s.jobs = jobs;
    s.lockHolder = undefined;
    s.lockWaitingSince = undefined;
    s.startedAt = at;
    s.durationMs = undefined;
    s.status = undefined;
    this.#nodes = new Map();
    this.#datasets = new Map();
    this.#ownDatasets.clear();
    this.#ownNodeIds.clear();
    this.#running = [];
    this.#counts = zeroCounts();
    this.#logs = [];
    this.#failures = [];
    s.logTotal = 0;
    s.failureTotal = 0;
    for (const id of ids) this.#add(id);
  }

  #add(id: string): NodeView {
    const { dataset, task } = splitNodeId(id);
    const node: NodeView = {
      id,
      dataset,
      task,
      state: 'queued',
      startedAt: undefined,
      durationMs: undefined,
      reason: undefined,
      progress: undefined,
      skippedBecause: undefined,
    };
    this.#nodesW().set(id, node);
    const ds = this.#dataset(dataset);
    if (!this.#ownNodeIds.has(dataset)) {
      ds.nodeIds = [...ds.nodeIds];
      this.#ownNodeIds.add(dataset);
    }
    (ds.nodeIds as string[]).push(id);
    (ds.counts as Record<NodeState, number>).queued++;
    this.#countsW().queued++;
    return node;
  }

  #node(id: string): NodeView {
    return (this.#nodes ?? this.#s.nodes).get(id) ?? this.#add(id);
  }

  #update(id: string, patch: Partial<Omit<NodeView, 'id' | 'dataset' | 'task'>>): void {
    const node = this.#node(id);
    const next: NodeView = { ...node, ...patch };
    if (next.state !== node.state) {
      const counts = this.#countsW();
      counts[node.state]--;
      counts[next.state]++;
      const dsCounts = this.#dataset(node.dataset).counts as Record<NodeState, number>;
      dsCounts[node.state]--;
      dsCounts[next.state]++;
      const running = (this.#running ??= [...this.#s.running]);
      if (node.state === 'running') running.splice(running.indexOf(id), 1);
      if (next.state === 'running') running.push(id);
      if (next.state !== 'running') next.progress = undefined;
    }
    this.#nodesW().set(id, next);
  }

  #fail(f: FailureView): void {
    const failures = (this.#failures ??= [...this.#s.failures]);
    if (failures.length < FAILURES_KEPT) failures.push({ ...f, message: oneLine(f.message) });
    this.#s.failureTotal++;
  }

  /** The dataset, copied into this draft (creating it when new) so it may be modified. */
  #dataset(slug: string): Mutable<DatasetView> {
    const datasets = (this.#datasets ??= new Map(this.#s.datasets));
    const current = datasets.get(slug);
    if (current && this.#ownDatasets.has(slug)) return current as Mutable<DatasetView>;
    const copy: Mutable<DatasetView> = current
      ? { ...current, counts: { ...current.counts } }
      : { slug, nodeIds: [], counts: zeroCounts(), versionId: undefined, rerunMode: undefined };
    datasets.set(slug, copy);
    this.#ownDatasets.add(slug);
    return copy;
  }

  #nodesW(): Map<string, NodeView> {
    return (this.#nodes ??= new Map(this.#s.nodes));
  }

  #countsW(): Record<NodeState, number> {
    return (this.#counts ??= { ...this.#s.counts });
  }
}
