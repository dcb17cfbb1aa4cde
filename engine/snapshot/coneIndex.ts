import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { CodeDigester } from '../keys/codeDigest.js';
import type { Graph, GraphDataset, GraphNode } from '../graph/graph.js';
import type { Planner } from '../plan/planner.js';
import { engineId, environmentDigest, fileRow, type Snapshot } from './snapshot.js';

/**
 * The cone index: written beside a snapshot (engine/snapshot/snapshot.ts) after a full build,
 * it holds the analyzed graph and, per node, the input files it read, so that a build where
 * only some input files changed (engine/snapshot/planCone.ts) neither re-imports the kfmfile
 * nor recomputes the keys of nodes outside the changed files' downstream cone. It is keyed
 * by the stat identity of the kfmfile and its local imports (as they were when loading
 * began), kfm's engine id and the environment: any change to one of them, to a task's code,
 * or to the set of files a glob matches is not a cone build (the full build runs instead).
 * Format: schemas/cone-index.schema.json.
 */
export const CONE_INDEX_VERSION = 1;

/** A graph node as stored: its `declaredAt` is not (a cone build names no declaration). */
type StoredNode = Omit<GraphNode, 'declaredAt'>;
type StoredDataset = Omit<GraphDataset, 'declaredAt'>;

export interface ConeIndex {
  kfm_cone_index_version: number;
  engine: string;
  env: string;
  kfmfile: string;
  /** Snapshot file rows of the kfmfile and its local imports. */
  kfmfiles: Snapshot['files'];
  /** Absolute paths of every task module and its local imports (an edit is no cone build). */
  code: string[];
  graph: {
    root: string;
    datasets: StoredDataset[];
    nodes: StoredNode[];
    order: string[];
    dataTreeLink?: Graph['dataTreeLink'];
    catalogBaseUrl?: string | undefined;
    projections?: Graph['projections'];
  };
  /** [node id, input paths relative to the root] for every node in the snapshot's scope. */
  inputs: [string, string[]][];
}

/** `.kfm/cones/<targets id>.json` beside `.kfm/snapshots/<targets id>.json`. */
export function coneIndexPath(snapshotPath: string): string {
  return join(dirname(dirname(snapshotPath)), 'cones', basename(snapshotPath));
}

/** Writes the cone index of a snapshot just recorded; removes a stale one when it cannot. */
export async function recordConeIndex(args: {
  snapshotPath: string;
  graph: Graph;
  planner: Planner;
  code: CodeDigester;
  nodes: readonly string[];
  kfmVersion: string;
}): Promise<boolean> {
  const { graph, planner, code } = args;
  const path = coneIndexPath(args.snapshotPath);
  rmSync(path, { force: true });
  if (graph.loadedAt === undefined) return false;
  const kfmfiles: Snapshot['files'] = [];
  for (const p of await code.filesOf(graph.kfmfile)) {
    const row = fileRow(p, graph.loadedAt);
    if (!row) return false;
    kfmfiles.push(row);
  }
  const modules = new Set(args.nodes.map((id) => graph.nodes.get(id)!.modulePath));
  const codeFiles = new Set<string>();
  for (const m of modules) for (const p of await code.filesOf(m)) codeFiles.add(p);
  const index: ConeIndex = {
    kfm_cone_index_version: CONE_INDEX_VERSION,
    engine: engineId(args.kfmVersion),
    env: environmentDigest(),
    kfmfile: graph.kfmfile,
    kfmfiles,
    code: [...codeFiles].sort(),
    graph: {
      root: graph.root,
      datasets: [...graph.datasets.values()].map(({ declaredAt: _, ...d }) => d),
      nodes: [...graph.nodes.values()].map(storedNode),
      order: graph.order,
      ...(graph.dataTreeLink !== undefined ? { dataTreeLink: graph.dataTreeLink } : {}),
      ...(graph.catalogBaseUrl !== undefined ? { catalogBaseUrl: graph.catalogBaseUrl } : {}),
      ...(graph.projections !== undefined ? { projections: graph.projections } : {}),
    },
    inputs: args.nodes.map((id) => [id, planner.staticParts(id).inputs.map(([rel]) => rel)]),
  };
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(index));
  renameSync(tmp, path);
  return true;
}

function storedNode(n: GraphNode): StoredNode {
  return {
    id: n.id,
    dataset: n.dataset,
    task: n.task,
    run: n.run,
    modulePath: n.modulePath,
    params: n.params,
    deps: n.deps,
    inputPatterns: n.inputPatterns,
    inputsRequired: n.inputsRequired,
    inputsOutsideProject: n.inputsOutsideProject,
    zone: n.zone,
    always: n.always,
    nondeterministic: n.nondeterministic,
    operation: n.operation,
  };
}

/** The index at `path` if it is one of this engine's (undefined: none, damaged or foreign). */
export function readConeIndex(path: string, engine: string): ConeIndex | undefined {
  try {
    const index = JSON.parse(readFileSync(path, 'utf8')) as ConeIndex;
    if (index.kfm_cone_index_version !== CONE_INDEX_VERSION || index.engine !== engine) return undefined;
    return index;
  } catch {
    return undefined;
  }
}

/** The stored graph as the engine's Graph (no declaration sites). */
export function graphOf(index: ConeIndex): Graph {
  const g = index.graph;
  return {
    root: g.root,
    kfmfile: index.kfmfile,
    datasets: new Map(g.datasets.map((d) => [d.slug, { ...d, declaredAt: undefined }])),
    nodes: new Map(g.nodes.map((n) => [n.id, { ...n, declaredAt: undefined }])),
    order: g.order,
    ...(g.dataTreeLink !== undefined ? { dataTreeLink: g.dataTreeLink } : {}),
    ...(g.catalogBaseUrl !== undefined ? { catalogBaseUrl: g.catalogBaseUrl } : {}),
    ...(g.projections !== undefined ? { projections: g.projections } : {}),
  };
}
