import { seamConfig } from '../load/seamConfig.js';
import fg from 'fast-glob';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { BuildSummary } from '../run/buildSummary.js';
import type { CodeDigester } from '../keys/codeDigest.js';
import { digestHex } from '../../core/digest.js';
import type { FileHasher } from '../keys/fileHasher.js';
import type { Graph } from '../graph/graph.js';
import type { Planner } from '../plan/planner.js';
import type { ProjectPaths } from '../load/projectPaths.js';
import { SNAPSHOT_VERSION, dirRow, engineId, environmentDigest, fileRow, snapshotPath, writeSnapshot, type Snapshot } from './snapshot.js';
import { RACY_MARGIN_MS } from '../keys/fileHasher.js';

/**
 * After a successful unversioned build, writes the snapshot a later no-op build checks
 * (engine/snapshot/snapshot.ts). Returns false (and writes nothing) when the build cannot be
 * captured: a versioned target, an `always` node, a file too recent to trust, or a backend
 * other than the local ones (KFM_STORE, KFM_STATE).
 */
export async function recordSnapshot(args: {
  graph: Graph;
  paths: ProjectPaths;
  targets: string[];
  summary: BuildSummary;
  planner: Planner;
  hasher: FileHasher;
  code: CodeDigester;
  kfmVersion: string;
}): Promise<boolean> {
  const { graph, summary, planner, hasher, code } = args;
  if (summary.status !== 'succeeded' || summary.versions.length > 0 || !summary.results || graph.loadedAt === undefined) return false;
  // It would describe local state and store files that another backend does not use.
  if (!seamConfig().local) return false;
  const targeted = args.targets.length === 0 ? [...graph.datasets.keys()] : args.targets;
  if (targeted.some((t) => t.includes('@') || graph.datasets.get(t)?.defaultSlice !== undefined)) return false;
  if (summary.nodes.some((n) => graph.nodes.get(n.id)!.always)) return false;

  const files = new Map<string, Snapshot['files'][number]>();
  const hashed = (path: string): boolean => {
    if (files.has(path)) return true;
    const e = hasher.entry(path);
    if (!e || !(e.mtimeMs < e.hashedAt - RACY_MARGIN_MS)) return false;
    files.set(path, [path, e.dev, e.ino, e.size, e.mtimeMs, e.ctimeMs, e.hashedAt]);
    return true;
  };
  // The kfmfile and its local imports, as they were when loading began.
  for (const path of await code.filesOf(graph.kfmfile)) {
    const row = fileRow(path, graph.loadedAt);
    if (!row) return false;
    files.set(path, row);
  }
  const modules = new Set<string>();
  const dirs = new Map<string, Snapshot['dirs'][number]>();
  const objects = new Set<string>();
  for (const n of summary.nodes) {
    const node = graph.nodes.get(n.id)!;
    modules.add(node.modulePath);
    for (const [rel] of planner.staticParts(n.id).inputs) if (!hashed(join(graph.root, rel))) return false;
    for (const pattern of node.inputPatterns) {
      if (!fg.isDynamicPattern(pattern)) continue;
      // A new file anywhere under the pattern's static base changes some directory's mtime.
      const base = staticBase(pattern);
      const under = [base, ...fg.sync(`${base === '.' ? '' : `${base}/`}**`, { cwd: graph.root, onlyDirectories: true, dot: true })];
      for (const d of under) {
        const abs = join(graph.root, d);
        if (dirs.has(abs)) continue;
        const row = dirRow(abs);
        if (!row) return false;
        dirs.set(abs, row);
      }
    }
    for (const o of summary.results.get(n.id)?.outputs ?? []) objects.add(digestHex(o.digest));
  }
  for (const m of modules) for (const path of await code.filesOf(m)) if (!hashed(path)) return false;

  const shards: Snapshot['shards'] = [];
  for (const shard of new Set([...objects].map((hex) => hex.slice(0, 2)))) {
    const row = dirRow(join(args.paths.storeDir, 'objects', shard));
    if (!row) return false;
    shards.push([shard, row[1], row[2], row[3], row[4]]);
  }
  const db = statSync(args.paths.statePath);
  writeSnapshot(snapshotPath(args.paths.kfmDir, args.targets), {
    kfm_snapshot_version: SNAPSHOT_VERSION,
    engine: engineId(args.kfmVersion),
    env: environmentDigest(),
    state: [db.dev, db.ino],
    targets: args.targets,
    files: [...files.values()],
    dirs: [...dirs.values()],
    objects: [...objects],
    shards,
    nodes: summary.nodes.map((n) => [n.id, n.key!]),
  });
  return true;
}

/** The leading path segments of a glob that hold no pattern characters. */
function staticBase(pattern: string): string {
  const parts = pattern.split('/');
  const fixed: string[] = [];
  for (const p of parts) {
    if (fg.isDynamicPattern(p)) break;
    fixed.push(p);
  }
  if (fixed.length === parts.length) fixed.pop();
  return fixed.length === 0 ? '.' : fixed.join('/');
}
