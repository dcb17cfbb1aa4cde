import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Graph } from '../graph/graph.js';
import { RACY_MARGIN_MS } from '../keys/fileHasher.js';
import { kfmVersion } from '../../core/kfmVersion.js';
import { projectPaths } from '../load/projectPaths.js';
import { registerLoader } from '../load/registerLoader.js';
import { seamConfig } from '../load/seamConfig.js';
import { coneIndexPath, graphOf, readConeIndex } from './coneIndex.js';
import { SNAPSHOT_VERSION, engineId, environmentDigest, snapshotPath, type Snapshot } from './snapshot.js';

/** A build that only needs the downstream cone of some changed input files (see planCone). */
export interface ConePlan {
  graph: Graph;
  snapshot: Snapshot;
  snapshotPath: string;
  /** The changed input files (absolute paths). */
  changed: string[];
  /** The nodes that read a changed file and everything downstream of them (in the snapshot's scope), in build order. */
  cone: string[];
  /** [node id, key] of every node in scope, as the snapshot recorded them. */
  keys: Map<string, string>;
}

/**
 * The one stat pass of a build that is not a no-op: compares every file and directory of the
 * targets' snapshot (engine/snapshot/snapshot.ts) and the kfmfile's rows of its cone index
 * (engine/snapshot/coneIndex.ts). When only input files changed, each still a file, none a
 * task's code, no directory a glob reads changed (so no file appeared or went) and every
 * output object is present, the plan is those files' downstream cone, with the graph from the
 * index (the kfmfile is not imported). Any other difference, or any doubt, is undefined: the
 * full build runs, which is always correct.
 */
export function planCone(args: { kfmfile: string; targets: string[] }): ConePlan | undefined {
  if (args.targets.some((t) => t.includes('@')) || !seamConfig().local) return undefined;
  try {
    return plan(args.kfmfile, args.targets);
  } catch {
    return undefined;
  }
}

function plan(kfmfile: string, targets: string[]): ConePlan | undefined {
  const paths = projectPaths(kfmfile);
  const snapPath = snapshotPath(paths.kfmDir, targets);
  const engine = engineId(kfmVersion());
  const index = readConeIndex(coneIndexPath(snapPath), engine);
  if (!index || index.kfmfile !== kfmfile) return undefined;
  const snap = JSON.parse(readFileSync(snapPath, 'utf8')) as Snapshot;
  const env = environmentDigest();
  if (snap.kfm_snapshot_version !== SNAPSHOT_VERSION || snap.engine !== engine || snap.env !== env || index.env !== env) return undefined;
  if (JSON.stringify([...snap.targets].sort()) !== JSON.stringify([...targets].sort())) return undefined;
  const db = statSync(paths.statePath, { throwIfNoEntry: false });
  if (!db || db.dev !== snap.state[0] || db.ino !== snap.state[1]) return undefined;
  for (const row of index.kfmfiles) if (changedFile(row) !== false) return undefined;
  for (const [p, dev, ino, mtime, ctime] of snap.dirs) {
    const s = statSync(p, { throwIfNoEntry: false });
    if (!s || s.dev !== dev || s.ino !== ino || s.mtimeMs !== mtime || s.ctimeMs !== ctime) return undefined;
  }
  const changed: string[] = [];
  for (const row of snap.files) {
    const c = changedFile(row);
    if (c === undefined) return undefined;
    if (c) changed.push(row[0]);
  }
  if (changed.length === 0 || !objectsPresent(snap, paths.storeDir)) return undefined;
  const code = new Set(index.code);
  const readers = new Map<string, string[]>();
  for (const [id, rels] of index.inputs) {
    for (const rel of rels) {
      const abs = join(index.graph.root, rel);
      const list = readers.get(abs);
      if (list) list.push(id);
      else readers.set(abs, [id]);
    }
  }
  const roots: string[] = [];
  for (const p of changed) {
    const r = readers.get(p);
    if (!r || code.has(p) || relative(index.graph.root, p).startsWith('..')) return undefined;
    roots.push(...r);
  }
  const graph = graphOf(index);
  // Task modules are TypeScript: the loader the kfmfile's import would have registered.
  registerLoader();
  const keys = new Map(snap.nodes);
  return { graph, snapshot: snap, snapshotPath: snapPath, changed, cone: downstream(graph, roots, keys), keys };
}

/** false: unchanged and trusted; true: changed but still a file; undefined: gone, not a file, or not to be trusted. */
function changedFile([p, dev, ino, size, mtime, ctime, observedAt]: Snapshot['files'][number]): boolean | undefined {
  if (!(mtime < observedAt - RACY_MARGIN_MS)) return undefined;
  const s = statSync(p, { throwIfNoEntry: false });
  if (!s || !s.isFile()) return undefined;
  return s.dev !== dev || s.ino !== ino || s.size !== size || s.mtimeMs !== mtime || s.ctimeMs !== ctime;
}

/** `roots` and every node in scope (`keys`) downstream of them, in build order. */
function downstream(graph: Graph, roots: string[], keys: Map<string, string>): string[] {
  const dependents = new Map<string, string[]>();
  for (const id of keys.keys()) {
    for (const d of graph.nodes.get(id)!.deps) {
      const list = dependents.get(d);
      if (list) list.push(id);
      else dependents.set(d, [id]);
    }
  }
  const inCone = new Set<string>();
  const stack = [...roots];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (inCone.has(id)) continue;
    inCone.add(id);
    stack.push(...(dependents.get(id) ?? []));
  }
  return graph.order.filter((id) => inCone.has(id));
}

/** Every output object of the snapshot still in the store (a shard whose stat is unchanged lost none). */
function objectsPresent(snap: Snapshot, storeDir: string): boolean {
  const objects = join(storeDir, 'objects');
  const changed = new Set<string>();
  for (const [shard, dev, ino, mtime, ctime] of snap.shards) {
    const s = statSync(join(objects, shard), { throwIfNoEntry: false });
    if (!s || s.dev !== dev || s.ino !== ino || s.mtimeMs !== mtime || s.ctimeMs !== ctime) changed.add(shard);
  }
  const listed = new Map<string, Set<string>>();
  for (const hex of snap.objects) {
    const shard = hex.slice(0, 2);
    if (!changed.has(shard)) continue;
    let names = listed.get(shard);
    if (!names) listed.set(shard, (names = new Set(readdirSync(join(objects, shard)))));
    if (!names.has(hex.slice(2))) return false;
  }
  return true;
}
