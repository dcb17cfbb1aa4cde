import type { TreeEntry } from '../../store/dataTreeCheck.js';
import type { NodeResult, VersionRecord } from '../../store/state.js';
import { canonicalDigest } from '../../core/canonicalJson.js';
import { digestHex, sha256, type Digest } from '../../core/digest.js';
import { KfmError } from '../../core/error.js';
import type { Graph } from '../graph/graph.js';
import type { StaticParts } from '../plan/planner.js';
import { datasetRawInputs, type RawInput } from './datasetRawInputs.js';
import { decideRerunMode, type RerunDecision } from './rerunMode.js';
import { specRecord, type SpecRecord } from './specRecord.js';
import { qaOutcome, type QaOutcome } from './qaOutcome.js';
import type { VersionZone } from '../../core/versionZones.js';

/** The format of `<processed|quarantine>/<slug>/<dvid>/checksums.json`. */
export const CHECKSUMS_VERSION = 'v1';

/** A versioned (non-raw) output of the dataset, as its version lists it. */
export interface VersionedOutput {
  node: string;
  name: string;
  zone: string;
  digest: Digest;
  size: number;
  media_type: string;
}

/** Everything a dataset version is, derived from the build: what recording and linking it write. */
export interface NamedVersion {
  slug: string;
  slice: string;
  datasetVersionId: string;
  spec: SpecRecord;
  rawInputs: RawInput[];
  inputsDigest: Digest;
  /** Digest over the versioned outputs (zone, name, digest, media type). */
  outputsDigest: Digest;
  decision: RerunDecision;
  /** True when this build creates the version (false: a retry names an existing one). */
  created: boolean;
  /** The files under data/ that name the version, `checksums.json` last. */
  entries: TreeEntry[];
  /** `<node>\n<output name>` → its path under data/. */
  paths: ReadonlyMap<string, string>;
  /** The bytes of `<processed|quarantine>/<slug>/<dvid>/checksums.json` (the last entry). */
  checksums: Buffer;
  /** What its QA nodes say: a quarantined version's processed files are under `quarantine/` instead. */
  qa: QaOutcome;
}

export interface NameDatasetVersionArgs {
  graph: Graph;
  dataset: string;
  slice: string;
  /** Every node of the dataset has a result here. */
  results: ReadonlyMap<string, NodeResult>;
  staticParts: (id: string) => StaticParts;
  /** The versions the slice has, oldest first (state.versionsOfSlice). */
  versions: readonly VersionRecord[];
}

/**
 * Names a built dataset, with no I/O: its spec record (spec_hash), inputs and outputs
 * digests, the rerun mode and dataset_version_id (engine/versions/rerunMode.ts) against the
 * slice's versions, and the data/ tree entries: `raw/<slug>/<outputs16>/…` for raw outputs,
 * `work/<slug>/<dvid>/<task>/…`, `<zone>/<slug>/<dvid>/…` for the rest, and
 * `processed/<slug>/<dvid>/checksums.json`; when a QA node failed (engine/versions/qaOutcome.ts)
 * the version is quarantined and its processed files, checksums.json included, are under
 * `quarantine/<slug>/<dvid>/` instead (same dvid: where a file is linked is no part of
 * it). A KfmError when the version cannot be named: a
 * retry with other bytes (a task is not deterministic), a dvid that names other inputs, two
 * tasks writing one path, or a task writing into the receipts folder.
 */
export function nameDatasetVersion(a: NameDatasetVersionArgs): NamedVersion {
  const slug = a.dataset;
  const spec = specRecord(a.graph, slug, (id) => {
    const s = a.staticParts(id);
    return { digest: s.codeDigest, files: s.code };
  });
  const rawInputs = datasetRawInputs(a.graph, slug, a.results, a.staticParts);
  const inputsDigest = canonicalDigest(rawInputs);
  const { raw, versioned } = datasetOutputs(a.graph, slug, a.results);
  const outputsDigest = canonicalDigest(versioned.map((v) => [v.zone, v.name, v.digest, v.media_type]));
  const decision = decideRerunMode(
    { slug, slice: a.slice, specHash: spec.specHash, document: spec.document, taskCode: spec.taskCode, inputsDigest, rawInputs },
    a.versions,
  );
  const dvid = decision.datasetVersionId;
  if (decision.mode === 'retry' && decision.basis!.outputsDigest !== outputsDigest) {
    throw new KfmError(
      'store',
      `dataset ${slug}@${dvid} was built before from the same spec and inputs but with other output bytes: a task is not deterministic (a dvid never names other bytes)`,
    );
  }
  const clash = decision.mode === 'retry' ? undefined : a.versions.find((v) => v.datasetVersionId === dvid);
  if (clash) throw new KfmError('store', `dataset version ${slug}@${dvid} exists with spec_hash ${clash.specHash} and other inputs: refusing to name other bytes with it`);

  const qa = qaOutcome(a.graph, slug, a.results);
  const home: VersionZone = qa.quarantined ? 'quarantine' : 'processed';
  const paths = new Map<string, string>();
  const entries: TreeEntry[] = [];
  for (const e of raw) {
    paths.set(`${e.node}\n${e.name}`, e.path);
    entries.push({ path: e.path, digest: e.digest });
  }
  const seen = new Map<string, string>();
  for (const v of versioned) {
    // work outputs are intermediate: each task gets its own folder there.
    const zone = v.zone === 'processed' ? home : v.zone;
    const path = v.zone === 'work' ? `work/${slug}/${dvid}/${a.graph.nodes.get(v.node)!.task}/${v.name}` : `${zone}/${slug}/${dvid}/${v.name}`;
    if (path.startsWith(`catalog/${slug}/${dvid}/receipts/`)) {
      throw new KfmError('store', `task ${v.node} writes ${path}: catalog/<slug>/<dvid>/receipts/ is reserved for run receipts`);
    }
    const other = seen.get(path);
    if (other) throw new KfmError('store', `tasks ${other} and ${v.node} both write ${path}`);
    seen.set(path, v.node);
    paths.set(`${v.node}\n${v.name}`, path);
    entries.push({ path, digest: v.digest });
  }
  const checksums = checksumsBytes(slug, dvid, spec.specHash, versioned);
  entries.push({ path: `${home}/${slug}/${dvid}/checksums.json`, digest: sha256(checksums) });
  return { slug, slice: a.slice, datasetVersionId: dvid, spec, rawInputs, inputsDigest, outputsDigest, decision, created: decision.mode !== 'retry', entries, paths, checksums, qa };
}

/** The dataset's outputs: raw ones (linked by content) and versioned ones, sorted by zone/name. */
function datasetOutputs(
  graph: Graph,
  slug: string,
  results: ReadonlyMap<string, NodeResult>,
): { raw: (TreeEntry & { node: string; name: string })[]; versioned: VersionedOutput[] } {
  const raw: (TreeEntry & { node: string; name: string })[] = [];
  const versioned: VersionedOutput[] = [];
  for (const id of graph.datasets.get(slug)!.nodes) {
    const n = graph.nodes.get(id)!;
    const r = results.get(id)!;
    for (const o of r.outputs) {
      if (n.zone === 'raw') {
        raw.push({ node: n.id, name: o.name, path: `raw/${slug}/${digestHex(r.outputsDigest).slice(0, 16)}/${o.name}`, digest: o.digest });
      } else {
        versioned.push({ node: n.id, name: o.name, zone: n.zone, digest: o.digest, size: o.size, media_type: o.media_type });
      }
    }
  }
  versioned.sort((a, b) => (a.zone + '/' + a.name < b.zone + '/' + b.name ? -1 : 1));
  return { raw, versioned };
}

/** `checksums.json`: the version's processed files with their digests, sizes and media types. */
function checksumsBytes(slug: string, dvid: string, specHash: Digest, versioned: VersionedOutput[]): Buffer {
  const checksums = {
    kfm_checksums_version: CHECKSUMS_VERSION,
    dataset_slug: slug,
    dataset_version_id: dvid,
    spec_hash: specHash,
    files: versioned.filter((v) => v.zone === 'processed').map((v) => ({ path: v.name, digest: v.digest, size: v.size, media_type: v.media_type })),
  };
  return Buffer.from(JSON.stringify(checksums, null, 2) + '\n');
}
