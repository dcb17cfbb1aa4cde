import { CodeDigester, type CodeDigest } from '../keys/codeDigest.js';
import { FileHasher } from '../keys/fileHasher.js';
import { nodeFileSystem, type FileSystem } from '../../core/fs.js';
import type { Graph } from '../graph/graph.js';
import { specRecord, type SpecRecord } from './specRecord.js';

/**
 * Every dataset's spec record as the kfmfile and task code say now: reads task code (and
 * parses its imports), never data, the state database, the content store or the network.
 */
export async function currentSpecRecords(graph: Graph, fs: FileSystem = nodeFileSystem): Promise<Map<string, SpecRecord>> {
  const hasher = new FileHasher(fs, new Map());
  const digester = new CodeDigester(fs, hasher, graph.root, new Map());
  const code = new Map<string, CodeDigest>();
  for (const [id, node] of graph.nodes) code.set(id, await digester.digestOf(node.modulePath));
  const out = new Map<string, SpecRecord>();
  for (const slug of graph.datasets.keys()) out.set(slug, specRecord(graph, slug, (id) => code.get(id)!));
  return out;
}
