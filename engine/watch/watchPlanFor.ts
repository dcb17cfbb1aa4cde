import fg from 'fast-glob';
import { join } from 'node:path';
import type { CodeDigester } from '../keys/codeDigest.js';
import { nodeFileSystem } from '../../core/fs.js';
import type { Graph } from '../graph/graph.js';
import { globBase, type GlobWatch } from './globWatch.js';
import { moduleFiles } from './moduleFiles.js';
import { WatchPlan } from './watchPlan.js';

/** The plan for a loaded graph: the kfmfile's files, and the code and inputs of the nodes in scope. */
export async function watchPlanFor(graph: Graph, scope: readonly string[], code: CodeDigester): Promise<WatchPlan> {
  const modules = new Map<string, string[]>();
  const filesOf = async (modulePath: string): Promise<string[]> => {
    let files = modules.get(modulePath);
    if (!files) modules.set(modulePath, (files = await moduleFiles(modulePath, code)));
    return files;
  };
  const kfmfileFiles = await filesOf(graph.kfmfile);
  const owners = new Map<string, Set<string>>();
  const own = (file: string, id: string) => {
    let set = owners.get(file);
    if (!set) owners.set(file, (set = new Set()));
    set.add(id);
  };
  const globs = new Map<string, GlobWatch>();
  for (const id of scope) {
    const node = graph.nodes.get(id)!;
    for (const f of await filesOf(node.modulePath)) own(f, id);
    for (const pattern of node.inputPatterns) {
      if (!fg.isDynamicPattern(pattern)) {
        own(join(graph.root, pattern), id);
        continue;
      }
      let g = globs.get(pattern);
      if (!g) globs.set(pattern, (g = { ...globBase(graph.root, pattern), pattern, nodes: [] }));
      g.nodes.push(id);
      for (const rel of nodeFileSystem.glob([pattern], graph.root)) own(join(graph.root, rel), id);
    }
  }
  return new WatchPlan({ root: graph.root, kfmfileFiles, owners, globs: [...globs.values()], retryAny: false });
}
