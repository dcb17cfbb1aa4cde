import { canonicalJson } from '../../core/canonicalJson.js';
import { sha256, type Digest } from '../../core/digest.js';
import type { JsonObject } from '../../core/json.js';

/** Bump when the key document changes shape: every node then reruns once. */
export const KEY_FORMAT_VERSION = 1;

/**
 * What a node's key hashes. Field by field (documented in the README, "Node keys"):
 * - `kfm_key_version`: KEY_FORMAT_VERSION;
 * - `task`: the node id `<slug>/<task>`;
 * - `code`: [label, digest] of the task module and every local module it imports, sorted;
 * - `params`: the task's parameters (canonical JSON, RFC 8785);
 * - `inputs`: [path, digest] of each declared input file, sorted by path (code points);
 * - `upstream`: [node id, outputs digest] of each dependency, sorted by id.
 */
export interface KeyDocument {
  kfm_key_version: number;
  task: string;
  code: [string, Digest][];
  params: JsonObject;
  inputs: [string, Digest][];
  upstream: [string, Digest][];
}

/**
 * The canonical (RFC 8785) text of a key document, assembled from parts: the parts are
 * already canonical (strings and arrays of strings serialise as JSON.stringify does), so
 * only `params` goes through the canonicalizer. `codeJson` is the pre-serialised `code`
 * list, shared by every node of a module. Equal to `canonicalJson(doc)` (tested).
 */
export function keyDocumentText(
  task: string,
  codeJson: string,
  params: JsonObject,
  inputs: [string, Digest][],
  upstream: [string, Digest][],
): string {
  const paramsJson = isEmpty(params) ? '{}' : canonicalJson(params);
  return `{"code":${codeJson},"inputs":${JSON.stringify(inputs)},"kfm_key_version":${KEY_FORMAT_VERSION},"params":${paramsJson},"task":${JSON.stringify(task)},"upstream":${JSON.stringify(upstream)}}`;
}

export function nodeKey(keyDocText: string): Digest {
  return sha256(keyDocText);
}

function isEmpty(o: JsonObject): boolean {
  for (const _ in o) return false;
  return true;
}
