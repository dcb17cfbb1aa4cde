import type { TaskCode } from '../../core/spec.js';
import type { CodeDigest } from '../keys/codeDigest.js';
import type { Digest } from '../../core/digest.js';
import type { Graph } from '../graph/graph.js';
import type { Json } from '../../core/json.js';
import { specHash, specHashDocument } from './specHash.js';

/** A dataset's spec_hash with the document it covers, and the code files behind each task's code digest. */
export interface SpecRecord {
  specHash: Digest;
  document: Json;
  taskCode: TaskCode;
}

/** The spec record of a dataset, given each of its nodes' code digest. */
export function specRecord(graph: Graph, slug: string, codeOf: (nodeId: string) => CodeDigest): SpecRecord {
  const taskCode: TaskCode = {};
  for (const id of graph.datasets.get(slug)!.nodes) taskCode[graph.nodes.get(id)!.task] = codeOf(id).files;
  const digestOf = (id: string) => codeOf(id).digest;
  return { specHash: specHash(graph, slug, digestOf), document: specHashDocument(graph, slug, digestOf) as Json, taskCode };
}
