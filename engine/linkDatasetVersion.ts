import type { ContentStore } from '../store/contentStore.js';
import { linkEntry, type TreeEntry } from '../store/dataTree.js';
import type { NodeResult, State } from '../store/state.js';
import { canonicalDigest } from './canonicalJson.js';
import { datasetVersionId } from './datasetVersionId.js';
import { digestHex, type Digest } from './digest.js';
import { KfmError } from './error.js';
import type { Graph } from './graph.js';
import type { StaticParts } from './planner.js';
import { specHash } from './specHash.js';

export const CHECKSUMS_VERSION = 'v1';

export interface LinkedVersion {
  dataset: string;
  slice: string;
  datasetVersionId: string;
  specHash: Digest;
  inputsDigest: Digest;
  /** True when this build created the version (false: the version existed, a retry). */
  created: boolean;
  paths: string[];
}

/**
 * Names a built dataset: derives its spec_hash and dataset_version_id (a backfill takes a
 * third part when the same slice and spec already have a version over other raw inputs),
 * records the version, and links its outputs into the data/ tree:
 * `raw/<slug>/<acquisition_id>/…` for raw outputs, `<zone>/<slug>/<dvid>/…` for the rest,
 * plus `processed/<slug>/<dvid>/checksums.json`.
 */
export function linkDatasetVersion(args: {
  graph: Graph;
  dataset: string;
  slice: string;
  results: Map<string, NodeResult>;
  staticParts: (id: string) => StaticParts;
  state: State;
  store: ContentStore;
  dataDir: string;
  runId: string;
  now: string;
}): LinkedVersion {
  const { graph, dataset: slug, slice, results, state, store } = args;
  const ds = graph.datasets.get(slug)!;
  const nodes = ds.nodes.map((id) => graph.nodes.get(id)!);
  const hash = specHash(graph, slug, (id) => args.staticParts(id).codeDigest);

  // Raw inputs: raw-zone outputs, declared input files, and outputs taken from other datasets.
  const rawInputs: [string, Digest][] = [];
  for (const n of nodes) {
    const r = results.get(n.id)!;
    if (n.zone === 'raw') for (const o of r.outputs) rawInputs.push([`${n.id}:${o.name}`, o.digest]);
    for (const [path, d] of args.staticParts(n.id).inputs) rawInputs.push([`file:${path}`, d]);
    for (const dep of n.deps) {
      if (graph.nodes.get(dep)!.dataset !== slug) rawInputs.push([`node:${dep}`, results.get(dep)!.outputsDigest]);
    }
  }
  rawInputs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const inputsDigest = canonicalDigest(rawInputs);

  const versioned: { node: string; name: string; zone: string; digest: Digest; size: number; media_type: string }[] = [];
  const rawEntries: TreeEntry[] = [];
  for (const n of nodes) {
    const r = results.get(n.id)!;
    for (const o of r.outputs) {
      if (n.zone === 'raw') {
        rawEntries.push({ path: `raw/${slug}/${digestHex(r.outputsDigest).slice(0, 16)}/${o.name}`, digest: o.digest });
      } else {
        versioned.push({ node: n.id, name: o.name, zone: n.zone, digest: o.digest, size: o.size, media_type: o.media_type });
      }
    }
  }
  versioned.sort((a, b) => (a.zone + '/' + a.name < b.zone + '/' + b.name ? -1 : 1));
  const outputsDigest = canonicalDigest(versioned.map((v) => [v.zone, v.name, v.digest, v.media_type]));

  // Which dvid: the same slice+spec with the same inputs is this version again (a retry).
  const existing = state.versionsFor(slug, slice, hash);
  let dvid: string;
  let created = false;
  const same = existing.find((v) => v.inputsDigest === inputsDigest);
  if (same) {
    dvid = same.datasetVersionId;
    if (same.outputsDigest !== outputsDigest) {
      throw new KfmError(
        'store',
        `dataset ${slug}@${dvid} was built before from the same spec and inputs but with other output bytes: a task is not deterministic (a dvid never names other bytes)`,
      );
    }
  } else {
    dvid = existing.length === 0 ? datasetVersionId(slice, hash) : datasetVersionId(slice, hash, inputsDigest);
    state.putVersion({
      datasetVersionId: dvid,
      datasetSlug: slug,
      slice,
      specHash: hash,
      inputsDigest,
      outputsDigest,
      runId: args.runId,
      createdAt: args.now,
    });
    created = true;
  }

  const entries: TreeEntry[] = [...rawEntries];
  const seen = new Map<string, string>();
  for (const v of versioned) {
    // work outputs are intermediate: each task gets its own folder there.
    const path = v.zone === 'work' ? `work/${slug}/${dvid}/${graph.nodes.get(v.node)!.task}/${v.name}` : `${v.zone}/${slug}/${dvid}/${v.name}`;
    const other = seen.get(path);
    if (other) throw new KfmError('store', `tasks ${other} and ${v.node} both write ${path}`);
    seen.set(path, v.node);
    entries.push({ path, digest: v.digest });
  }
  const processed = versioned.filter((v) => v.zone === 'processed');
  const checksums = {
    kfm_checksums_version: CHECKSUMS_VERSION,
    dataset_slug: slug,
    dataset_version_id: dvid,
    spec_hash: hash,
    files: processed.map((v) => ({ path: v.name, digest: v.digest, size: v.size, media_type: v.media_type })),
  };
  const stored = store.putBytes(Buffer.from(JSON.stringify(checksums, null, 2) + '\n'));
  store.sync([stored.digest]);
  entries.push({ path: `processed/${slug}/${dvid}/checksums.json`, digest: stored.digest });

  for (const e of entries) linkEntry(args.dataDir, store, e);
  return { dataset: slug, slice, datasetVersionId: dvid, specHash: hash, inputsDigest, created, paths: entries.map((e) => e.path) };
}
