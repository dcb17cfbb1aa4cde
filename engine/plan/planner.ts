import fg from 'fast-glob';
import { join } from 'node:path';
import type { Awaitable } from '../../store/awaitable.js';
import type { ContentStore } from '../../store/contentStore.js';
import type { NodeResult } from '../../store/state.js';
import type { CodeDigester } from '../keys/codeDigest.js';
import type { Digest } from '../../core/digest.js';
import type { DirtyReason } from '../keys/dirtyReason.js';
import { diffKeyDocument } from '../keys/diffKeyDocument.js';
import { insideProject } from '../graph/insideProject.js';
import { KfmError } from '../../core/error.js';
import type { FileHasher } from '../keys/fileHasher.js';
import type { FileSystem } from '../../core/fs.js';
import { targetScope } from '../graph/datasetScope.js';
import type { Target } from '../graph/target.js';
import type { Graph, GraphNode } from '../graph/graph.js';
import { keyDocumentText, nodeKey, type KeyDocument } from '../keys/nodeKey.js';
import { compareCodePoints } from '../../core/compareCodePoints.js';

/** How many nodes' stored outputs `assess` asks the store about at once. */
const ASSESS_BATCH = 256;

/** What a node's key needs besides its upstream outputs: computed once per build. */
export interface StaticParts {
  inputs: [string, Digest][];
  code: [string, Digest][];
  codeDigest: Digest;
  codeJson: string;
}

/** A node's state before the build: clean (its stored result stands) or dirty, and why. */
export interface Assessment {
  id: string;
  dirty: boolean;
  reasons: DirtyReason[];
  /** The key, when it can be known before running anything (every upstream clean). */
  key: Digest | null;
  /** The node's latest stored key, if any. */
  previousKey: Digest | null;
  /** `--force` named it: it runs whatever its stored result (its first reason is `forced`). */
  forced: boolean;
}

/**
 * Computes keys: expands input globs, hashes files through the stat cache, digests task
 * code, and compares with stored results. Shared by build, plan and explain.
 */
export class Planner {
  readonly #graph: Graph;
  readonly #fs: FileSystem;
  readonly #hasher: FileHasher;
  readonly #code: CodeDigester;
  readonly #store: Pick<ContentStore, 'has'>;
  readonly #latest: Map<string, NodeResult>;
  readonly #static = new Map<string, StaticParts>();

  constructor(graph: Graph, fs: FileSystem, hasher: FileHasher, code: CodeDigester, store: Pick<ContentStore, 'has'>, latest: Map<string, NodeResult>) {
    this.#graph = graph;
    this.#fs = fs;
    this.#hasher = hasher;
    this.#code = code;
    this.#store = store;
    this.#latest = latest;
  }

  get latest(): Map<string, NodeResult> {
    return this.#latest;
  }

  /** The targets' nodes (all when none) plus everything they depend on, in build order (engine/graph/datasetScope.ts). */
  scope(targets: readonly Target[]): string[] {
    return targetScope(this.#graph, targets);
  }

  /** Expands globs and hashes inputs and code for these nodes. Missing required inputs throw (exit 2). */
  async prepare(ids: string[]): Promise<void> {
    for (const id of ids) {
      if (this.#static.has(id)) continue;
      const node = this.#graph.nodes.get(id)!;
      const inputs = this.#inputsOf(node);
      const code = await this.#code.digestOf(node.modulePath);
      this.#static.set(id, { inputs, code: code.files, codeDigest: code.digest, codeJson: JSON.stringify(code.files) });
    }
  }

  staticParts(id: string): StaticParts {
    const s = this.#static.get(id);
    if (!s) throw new Error(`internal: node ${id} was not prepared`);
    return s;
  }

  /** The key document text and key of a node, given its upstream outputs digests. */
  keyOf(id: string, upstreamDigest: (dep: string) => Digest): { text: string; key: Digest } {
    const node = this.#graph.nodes.get(id)!;
    const s = this.staticParts(id);
    const upstream: [string, Digest][] = node.deps.map((d) => [d, upstreamDigest(d)]);
    // assess() and the build ask for the same key when upstream outputs did not change.
    const memo = this.#keys.get(id);
    if (memo && memo.upstream.length === upstream.length && memo.upstream.every((u, i) => u[1] === upstream[i]![1])) return memo;
    const text = keyDocumentText(id, s.codeJson, node.params, s.inputs, upstream);
    const computed = { text, key: nodeKey(text), upstream };
    this.#keys.set(id, computed);
    return computed;
  }

  readonly #keys = new Map<string, { text: string; key: Digest; upstream: [string, Digest][] }>();

  /**
   * Whether a stored result can stand in for running the node: every output object present
   * (`has`, all of a result's outputs at once). A result this planner already found intact
   * (in `assess`, this build) answers at once, with no second round trip to the store.
   */
  missingOutput(result: NodeResult): Awaitable<DirtyReason | undefined> {
    if (this.#intact.has(result.key)) return undefined;
    return this.#checkOutputs(result);
  }

  async #checkOutputs(result: NodeResult): Promise<DirtyReason | undefined> {
    const present = await Promise.all(result.outputs.map((o) => this.#store.has(o.digest, o.size)));
    const i = present.indexOf(false);
    if (i < 0) {
      this.#intact.add(result.key);
      return undefined;
    }
    const o = result.outputs[i]!;
    return { type: 'output-missing', output: o.name, digest: o.digest };
  }

  /** Keys of stored results whose outputs this build found present. */
  readonly #intact = new Set<Digest>();

  /**
   * Assesses nodes (in build order) against their latest stored results, without running
   * anything: a node is dirty when its own parts changed, when an upstream node is dirty,
   * when it is `always`, or when a stored output is gone. The stores' answers for every
   * node's latest outputs are asked for first, all at once (a few in flight at a time), so
   * the assessment costs one round of store calls, not one per node. A node in `forced`
   * (`--force`) is dirty with `forced` first among its reasons (the others still named).
   */
  async assess(ids: string[], forced: ReadonlySet<string> = new Set()): Promise<Map<string, Assessment>> {
    const missing = new Map<string, DirtyReason | undefined>();
    const withPrevious = ids.filter((id) => this.#latest.has(id));
    for (let i = 0; i < withPrevious.length; i += ASSESS_BATCH) {
      const batch = withPrevious.slice(i, i + ASSESS_BATCH);
      const found = await Promise.all(batch.map((id) => this.missingOutput(this.#latest.get(id)!)));
      batch.forEach((id, j) => missing.set(id, found[j]));
    }
    const out = new Map<string, Assessment>();
    for (const id of ids) {
      const node = this.#graph.nodes.get(id)!;
      const prev = this.#latest.get(id);
      const reasons: DirtyReason[] = [];
      const pendingDeps = node.deps.filter((d) => out.get(d)?.dirty);
      // Hypothetical key: dirty upstreams assumed to reproduce their latest outputs.
      const canKnow = pendingDeps.length === 0 && node.deps.every((d) => this.#latest.has(d));
      let key: Digest | null = null;
      let hypothetical: { text: string; key: Digest } | null = null;
      if (node.deps.every((d) => this.#latest.has(d))) {
        hypothetical = this.keyOf(id, (d) => this.#latest.get(d)!.outputsDigest);
        if (canKnow) key = hypothetical.key;
      }
      if (!prev) {
        reasons.push({ type: 'no-previous-run' });
      } else {
        // Only a key that differs has differences to name: the documents are parsed and
        // compared just for those nodes.
        if (hypothetical && hypothetical.key !== prev.key) {
          reasons.push(...diffKeyDocument(JSON.parse(prev.keyDoc) as KeyDocument, JSON.parse(hypothetical.text) as KeyDocument));
        }
        for (const d of pendingDeps) reasons.push({ type: 'upstream-pending', upstream: d });
        if (reasons.length === 0 && key !== null && key !== prev.key) {
          // Same parts, different key: only possible across key-format changes.
          reasons.push({ type: 'key-format', old: -1, new: -1 });
        }
        if (reasons.length === 0) {
          const gone = missing.get(id);
          if (gone) reasons.push(gone);
        }
      }
      if (node.always && reasons.length === 0) reasons.push({ type: 'always' });
      const isForced = forced.has(id);
      if (isForced) reasons.unshift({ type: 'forced' });
      out.set(id, { id, dirty: reasons.length > 0, reasons, key, previousKey: prev?.key ?? null, forced: isForced });
    }
    return out;
  }

  #inputsOf(node: GraphNode): [string, Digest][] {
    const root = this.#graph.root;
    const files = new Set<string>();
    for (const pattern of node.inputPatterns) {
      let matched: string[];
      if (fg.isDynamicPattern(pattern)) {
        matched = this.#fs.glob([pattern], root);
      } else {
        matched = this.#fs.stat(join(root, pattern)) ? [pattern] : [];
      }
      if (matched.length === 0 && node.inputsRequired) {
        throw new KfmError(
          'kfmfile',
          `input pattern "${pattern}" of task "${node.id}" matches no files`,
          node.declaredAt,
          node.id,
        );
      }
      for (const m of matched) files.add(m);
    }
    const sorted = [...files].sort(compareCodePoints);
    if (!node.inputsOutsideProject) for (const rel of sorted) insideProject(this.#fs, root, rel, node);
    return sorted.map((rel) => [rel, this.#hasher.digest(join(root, rel), rel)]);
  }
}
