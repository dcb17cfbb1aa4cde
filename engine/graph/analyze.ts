import { dirname } from 'node:path';
import { DATA_TREE_LINKS, type DataTreeLink, type KfmConfig, type TaskDecl } from '../../core/kfmConfig.js';
import { analyzeDataset } from './analyzeDataset.js';
import { analyzeTask, type TaskAnalysis } from './analyzeTask.js';
import { detectCycle } from './detectCycle.js';
import { nodeFileSystem, type FileSystem } from '../../core/fs.js';
import type { Graph, GraphDataset, GraphNode } from './graph.js';
import { KfmfileLocator } from './kfmfileLocator.js';
import { literalCredential } from './literalCredentials.js';
import { resolveDeps } from './resolveDeps.js';
import { topoOrder } from './topoOrder.js';
import { catalogBaseUrl } from './catalogBaseUrl.js';
import { projectionOptions } from './projectionOptions.js';

/**
 * Validates a loaded kfmfile and builds its graph. Every problem is a KfmError (exit 2)
 * located at the declaration in the kfmfile; declarations are checked in order (each
 * dataset, then its tasks), then the dependencies, then cycles.
 */
export function analyze(config: KfmConfig, kfmfile: string, fs: FileSystem = nodeFileSystem): Graph {
  const root = dirname(kfmfile);
  const at = new KfmfileLocator(kfmfile);
  const datasets = new Map<string, GraphDataset>();
  const nodes = new Map<string, GraphNode>();
  const declSites = new Map<string, Error | undefined>();
  const rawDeps = new Map<string, { decl: TaskDecl; deps: string[] }>();
  const tasks: TaskAnalysis = { at, root, fs, nodes, declSites, modules: new Map() };

  for (const [i, ds] of config.datasets.entries()) {
    const dataset = analyzeDataset(ds, i, datasets, at);
    datasets.set(dataset.slug, dataset);
    for (const t of ds.tasks) {
      const { node, deps } = analyzeTask(t, ds, tasks);
      const credential = literalCredential(node.id, node.run, node.params);
      if (credential !== null) at.fail(credential, t.declaredAt);
      nodes.set(node.id, node);
      declSites.set(node.id, t.declaredAt);
      rawDeps.set(node.id, { decl: t, deps });
      dataset.nodes.push(node.id);
    }
  }
  resolveDeps(nodes, rawDeps, at);

  const depMap = new Map<string, string[]>();
  for (const [id, n] of nodes) depMap.set(id, n.deps);
  const cycle = detectCycle(depMap);
  if (cycle) at.fail(`dependency cycle: ${cycle.join(' -> ')}`, declSites.get(cycle[0]!));

  return { root, kfmfile, datasets, nodes, order: topoOrder(depMap), dataTreeLink: dataTreeLink(config, at), catalogBaseUrl: catalogBaseUrl(config, at), projections: projectionOptions(config, at) };
}

/** The kfmfile's `dataTree.link`, checked (default `copy`). */
function dataTreeLink(config: KfmConfig, at: KfmfileLocator): DataTreeLink {
  const opts = (config as { dataTree?: unknown }).dataTree;
  if (opts === undefined) return 'copy';
  if (typeof opts !== 'object' || opts === null || Array.isArray(opts)) at.fail('dataTree must be an object: { link: "copy" | "hardlink" | "symlink" }', undefined);
  for (const k of Object.keys(opts)) if (k !== 'link') at.fail(`dataTree has an unknown option "${k}" (known: link)`, undefined);
  const link = (opts as { link?: unknown }).link;
  if (link === undefined) return 'copy';
  if (!DATA_TREE_LINKS.includes(link as DataTreeLink)) {
    at.fail(`dataTree.link ${JSON.stringify(link)} is not one of ${DATA_TREE_LINKS.map((l) => JSON.stringify(l)).join(', ')}`, undefined);
  }
  return link as DataTreeLink;
}
