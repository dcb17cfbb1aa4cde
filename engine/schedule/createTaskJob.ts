import { join } from 'node:path';
import type { ContentStore } from '../../store/contentStore.js';
import type { NodeResult } from '../../store/state.js';
import type { Graph } from '../graph/graph.js';
import type { StaticParts } from '../plan/planner.js';
import type { TaskJob } from './job.js';

/** What a job is made from besides its node: the build's store, directories and results so far. */
export interface JobSources {
  graph: Graph;
  store: Pick<ContentStore, 'descriptor'>;
  /** The build's scratch directory root (`.kfm/scratch`). */
  scratchDir: string;
  runId: string;
  staticParts(id: string): StaticParts;
  /** Each node's latest stored result (the job's `previous`). */
  latest: ReadonlyMap<string, NodeResult>;
  /** The results of settled nodes: every upstream node of the job's node is among them. */
  settled: ReadonlyMap<string, NodeResult>;
}

/** The job that runs node `id`: plain data, with its inputs located on disk and its upstream outputs named by digest. */
export function createTaskJob(id: string, sources: JobSources): TaskJob {
  const { graph, store } = sources;
  const node = graph.nodes.get(id)!;
  const s = sources.staticParts(id);
  const upstream: TaskJob['upstream'] = {};
  for (const d of node.deps) {
    const r = sources.settled.get(d)!;
    upstream[d] = Object.fromEntries(r.outputs.map((out) => [out.name, out]));
  }
  const prev = sources.latest.get(id);
  return {
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
    scratchDir: join(sources.scratchDir, sources.runId, `${node.dataset}.${node.task}`),
    store: store.descriptor,
    previous: prev ? { outputs: prev.outputs, meta: prev.meta } : null,
  };
}
