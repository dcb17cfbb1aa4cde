import { join } from 'node:path';
import type { LocalContentStore as ContentStore } from '../../store/contentStore.js';
import { linkEntry, type TreeEntry } from '../../store/dataTree.js';
import { readRegistry, writeRegistry, type DatasetRegistry } from '../../store/registry/datasetRegistry.js';
import type { NodeResult, State } from '../../store/state.js';
import { canonicalDigest, canonicalJson } from '../../core/canonicalJson.js';
import { datasetRawInputs } from './datasetRawInputs.js';
import { datasetReceipts } from '../receipts/datasetReceipts.js';
import { digestHex, type Digest } from '../../core/digest.js';
import { KfmError } from '../../core/error.js';
import type { Graph } from '../graph/graph.js';
import type { StaticParts } from '../plan/planner.js';
import { policyLabelOf } from '../../core/policyLabel.js';
import type { BuildRerunMode } from '../../core/buildRerunMode.js';
import { decideRerunMode, type RerunDecision } from './rerunMode.js';
import { specRecord, type SpecRecord } from './specRecord.js';
import { versioningOf } from '../receipts/versioningContext.js';

export const CHECKSUMS_VERSION = 'v1';

export interface LinkedVersion {
  dataset: string;
  slice: string;
  datasetVersionId: string;
  specHash: Digest;
  inputsDigest: Digest;
  /** True when this build created the version (false: the version existed, a retry). */
  created: boolean;
  /** The rerun mode found (engine/versions/rerunMode.ts) and why. */
  mode: BuildRerunMode;
  modeReason: string;
  /** Run ids of the receipts this build recorded for the version (none without a versioning context). */
  receipts: string[];
  /** Files under data/ that name the version, receipts included. */
  paths: string[];
}

/**
 * Names a built dataset: derives its spec_hash and dataset_version_id and the rerun mode
 * (engine/versions/rerunMode.ts) from the versions its slice has; then, unless `--expect` names
 * another mode (an error, and nothing is written), records a new version, links its outputs
 * into the data/ tree (`raw/<slug>/<acquisition_id>/…` for raw outputs, `<zone>/<slug>/<dvid>/…`
 * for the rest, plus `processed/<slug>/<dvid>/checksums.json`), and, in a build run by
 * `runBuild` (engine/receipts/versioningContext.ts), updates `registry/<slug>.json` and records a
 * signed run receipt per node. The bytes behind an existing dvid never change: a retry
 * that produced other bytes is an error.
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
  const ctx = versioningOf(args.runId);
  const ds = graph.datasets.get(slug)!;
  const nodes = ds.nodes.map((id) => graph.nodes.get(id)!);
  const spec = specRecord(graph, slug, (id) => {
    const s = args.staticParts(id);
    return { digest: s.codeDigest, files: s.code };
  });
  const rawInputs = datasetRawInputs(graph, slug, results, args.staticParts);
  const inputsDigest = canonicalDigest(rawInputs);

  const versioned: { node: string; name: string; zone: string; digest: Digest; size: number; media_type: string }[] = [];
  const rawEntries: (TreeEntry & { node: string; name: string })[] = [];
  for (const n of nodes) {
    const r = results.get(n.id)!;
    for (const o of r.outputs) {
      if (n.zone === 'raw') {
        rawEntries.push({ node: n.id, name: o.name, path: `raw/${slug}/${digestHex(r.outputsDigest).slice(0, 16)}/${o.name}`, digest: o.digest });
      } else {
        versioned.push({ node: n.id, name: o.name, zone: n.zone, digest: o.digest, size: o.size, media_type: o.media_type });
      }
    }
  }
  versioned.sort((a, b) => (a.zone + '/' + a.name < b.zone + '/' + b.name ? -1 : 1));
  const outputsDigest = canonicalDigest(versioned.map((v) => [v.zone, v.name, v.digest, v.media_type]));

  const decision = decideRerunMode(
    { slug, slice, specHash: spec.specHash, document: spec.document, taskCode: spec.taskCode, inputsDigest, rawInputs },
    state.versionsOfSlice(slug, slice),
  );
  const dvid = decision.datasetVersionId;
  if (decision.mode === 'retry' && decision.basis!.outputsDigest !== outputsDigest) {
    throw new KfmError(
      'store',
      `dataset ${slug}@${dvid} was built before from the same spec and inputs but with other output bytes: a task is not deterministic (a dvid never names other bytes)`,
    );
  }
  if (decision.mode !== 'retry') {
    const clash = state.version(slug, dvid);
    if (clash) throw new KfmError('store', `dataset version ${slug}@${dvid} exists with spec_hash ${clash.specHash} and other inputs: refusing to name other bytes with it`);
  }
  if (ctx?.expect !== undefined && ctx.expect !== decision.mode) {
    throw new KfmError(
      'check',
      `${slug}@${slice}: expected a ${ctx.expect}, but this build is a ${decision.mode} (${decision.reason}); nothing was recorded for ${slug}`,
    );
  }
  // Read (and validate) the registry before writing anything.
  const registry = ctx ? readRegistry(ctx.projectRoot, slug) : undefined;

  const paths = new Map<string, string>();
  const entries: TreeEntry[] = [];
  for (const e of rawEntries) {
    paths.set(`${e.node}\n${e.name}`, e.path);
    entries.push({ path: e.path, digest: e.digest });
  }
  const seen = new Map<string, string>();
  for (const v of versioned) {
    // work outputs are intermediate: each task gets its own folder there.
    const path = v.zone === 'work' ? `work/${slug}/${dvid}/${graph.nodes.get(v.node)!.task}/${v.name}` : `${v.zone}/${slug}/${dvid}/${v.name}`;
    if (path.startsWith(`catalog/${slug}/${dvid}/receipts/`)) {
      throw new KfmError('store', `task ${v.node} writes ${path}: catalog/<slug>/<dvid>/receipts/ is reserved for run receipts`);
    }
    const other = seen.get(path);
    if (other) throw new KfmError('store', `tasks ${other} and ${v.node} both write ${path}`);
    seen.set(path, v.node);
    paths.set(`${v.node}\n${v.name}`, path);
    entries.push({ path, digest: v.digest });
  }

  ctx?.onEvent({ type: 'dataset-version', dataset: slug, slice, datasetVersionId: dvid, mode: decision.mode, reason: decision.reason, created: decision.mode !== 'retry' });
  if (decision.mode !== 'retry') {
    state.putVersion({
      datasetVersionId: dvid,
      datasetSlug: slug,
      slice,
      specHash: spec.specHash,
      inputsDigest,
      outputsDigest,
      runId: args.runId,
      createdAt: args.now,
      specDocument: spec.document,
      taskCode: spec.taskCode,
      rawInputs,
      mode: decision.mode,
      modeReason: decision.reason,
    });
  }

  const processed = versioned.filter((v) => v.zone === 'processed');
  const checksums = {
    kfm_checksums_version: CHECKSUMS_VERSION,
    dataset_slug: slug,
    dataset_version_id: dvid,
    spec_hash: spec.specHash,
    files: processed.map((v) => ({ path: v.name, digest: v.digest, size: v.size, media_type: v.media_type })),
  };
  const stored = store.putBytes(Buffer.from(JSON.stringify(checksums, null, 2) + '\n'));
  store.sync([stored.digest]);
  entries.push({ path: `processed/${slug}/${dvid}/checksums.json`, digest: stored.digest });
  for (const e of entries) linkEntry(args.dataDir, store, e);

  const linked: LinkedVersion = {
    dataset: slug,
    slice,
    datasetVersionId: dvid,
    specHash: spec.specHash,
    inputsDigest,
    created: decision.mode !== 'retry',
    mode: decision.mode,
    modeReason: decision.reason,
    receipts: [],
    paths: entries.map((e) => e.path),
  };
  if (!ctx) return linked;

  const nextRegistry = registryAfter(registry, { graph, slug, slice, spec, inputsDigest, decision, createdAt: args.now });
  // A retry of the latest version leaves the file as it was (not even rewritten).
  if (!registry || canonicalJson(registry) !== canonicalJson(nextRegistry)) writeRegistry(ctx.projectRoot, nextRegistry);
  const { receipts, inputFiles } = datasetReceipts({
    graph,
    slug,
    datasetVersionId: dvid,
    specHash: spec.specHash,
    mode: decision.mode,
    modeReason: decision.reason,
    results,
    staticParts: args.staticParts,
    outputPath: (node, name) => paths.get(`${node}\n${name}`)!,
    readObject: (d) => store.read(d),
    buildRunId: args.runId,
    actor: ctx.actor,
    environment: ctx.environment(),
    now: new Date(args.now),
  });
  const recorded = ctx.receipts.record({
    receipts,
    inputFiles: inputFiles.map((f) => ({ absPath: join(graph.root, f.path), digest: f.digest })),
    store,
    dataDir: args.dataDir,
  });
  ctx.onEvent({
    type: 'receipts-recorded',
    dataset: slug,
    datasetVersionId: dvid,
    count: recorded.runIds.length,
    firstSeq: recorded.seqs[0] ?? 0,
    lastSeq: recorded.seqs[recorded.seqs.length - 1] ?? 0,
  });
  return { ...linked, receipts: recorded.runIds, paths: [...linked.paths, ...recorded.paths] };
}

/** The registry after this build: the spec it built, a new version entry when it created one, and the latest version. */
function registryAfter(
  before: DatasetRegistry | undefined,
  b: { graph: Graph; slug: string; slice: string; spec: SpecRecord; inputsDigest: Digest; decision: RerunDecision; createdAt: string },
): DatasetRegistry {
  const ds = b.graph.datasets.get(b.slug)!;
  const versions = [...(before?.versions ?? [])];
  const mode = b.decision.mode;
  if (mode !== 'retry' && !versions.some((v) => v.dataset_version_id === b.decision.datasetVersionId)) {
    versions.push({
      dataset_version_id: b.decision.datasetVersionId,
      slice: b.slice,
      spec_hash: b.spec.specHash,
      inputs_digest: b.inputsDigest,
      mode,
      status: 'built',
      created_at: b.createdAt,
    });
  }
  return {
    kfm_registry_version: 'v1',
    dataset_slug: b.slug,
    title: typeof ds.spec.title === 'string' ? ds.spec.title : b.slug,
    policy_label: policyLabelOf(ds.spec),
    spec_hash: b.spec.specHash,
    spec_document: b.spec.document,
    task_code: b.spec.taskCode,
    versions,
    latest_version_id: b.decision.datasetVersionId,
  };
}
