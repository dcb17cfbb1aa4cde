import type { ContentStore } from '../../store/contentStore.js';
import { readRegistry } from '../../store/registry/datasetRegistry.js';
import type { NodeResult, VersionStore } from '../../store/state.js';
import { KfmError } from '../../core/error.js';
import type { Graph } from '../graph/graph.js';
import type { Target } from '../graph/target.js';
import type { Planner } from '../plan/planner.js';
import type { EventSink } from '../run/event.js';
import { recordVersionReceipts } from '../receipts/recordVersionReceipts.js';
import { anchorVersionReceipts } from '../receipts/anchorVersionReceipts.js';
import { linkDatasetVersion, type LinkedVersion } from './linkDatasetVersion.js';
import { nameDatasetVersion } from './nameDatasetVersion.js';
import { recordDatasetVersion } from './recordDatasetVersion.js';
import { registerDatasetVersion } from './registerDatasetVersion.js';
import type { VersioningContext } from './versioningContext.js';
import { requireIntactOutputs } from './verifyOutputs.js';
import type { DataTreeSettings } from '../../store/dataTree.js';
import type { Digest } from '../../core/digest.js';
import type { DeterminismFinding } from '../schedule/determinismCheck.js';
import { crashPoint } from '../run/crashPoint.js';
import { runVersionStages } from './runVersionStages.js';

export interface VersionDatasetsArgs {
  graph: Graph;
  planner: Planner;
  targets: Target[];
  results: Map<string, NodeResult>;
  state: VersionStore;
  store: ContentStore;
  dataDir: string;
  runId: string;
  now: string;
  onEvent: EventSink;
  /** How data/ is written (store/dataTree.ts). */
  dataTree: DataTreeSettings;
  /** Store objects this build already re-hashed and found intact (engine/versions/verifyOutputs.ts). */
  verified: Set<Digest>;
  /** `kfm build`'s registry, receipts and `--expect` (engine/receipts/openVersioning.ts); none: state and data/ only. */
  versioning?: VersioningContext | undefined;
  /** `--verify-determinism`'s findings by node id, recorded in the run receipts of the nodes checked. */
  determinism?: ReadonlyMap<string, DeterminismFinding> | undefined;
  /** The nodes `--force` ran in this build: their run receipts say `forced: true`. */
  forced?: ReadonlySet<string> | undefined;
}

/**
 * After the nodes of a build have settled: names, records and links a version of each
 * targeted dataset that has a slice and whose every node settled. A version that cannot be
 * named (a KfmError) is a `build-error` event and makes the build fail; the others go on.
 * A version whose QA failed is recorded `quarantined`: a `dataset-quarantined` event, and
 * the build fails.
 */
export async function versionDatasets(args: VersionDatasetsArgs): Promise<{ versions: LinkedVersion[]; failed: boolean }> {
  const { graph, results } = args;
  const versions: LinkedVersion[] = [];
  let failed = false;
  for (const t of args.targets) {
    const ds = graph.datasets.get(t.dataset)!;
    const slice = t.slice ?? ds.defaultSlice;
    if (slice === undefined) continue;
    if (!ds.nodes.every((id) => results.has(id))) continue;
    try {
      const v = await versionDataset(args, t.dataset, slice);
      versions.push(v);
      args.onEvent({ type: 'dataset-linked', dataset: t.dataset, datasetVersionId: v.datasetVersionId, paths: v.paths.length });
      if (v.status === 'quarantined') {
        // A QA failure is a governed outcome: the version is recorded, quarantined, and the build fails.
        failed = true;
        args.onEvent({ type: 'dataset-quarantined', dataset: t.dataset, datasetVersionId: v.datasetVersionId, failedChecks: v.failedChecks, created: v.created });
      }
    } catch (e) {
      if (!(e instanceof KfmError)) throw e;
      failed = true;
      args.onEvent({ type: 'build-error', message: e.message, ...(e.location ? { location: e.location } : {}) });
    }
  }
  return { versions, failed };
}

/**
 * One dataset: names its version (pure), checks `--expect`, reads the registry (validated
 * before anything is written), records the version in state, links it under data/, and with
 * a versioning context writes the registry (a `candidate`) and signs the run receipts.
 */
async function versionDataset(args: VersionDatasetsArgs, slug: string, slice: string): Promise<LinkedVersion> {
  const { graph, results, store, dataDir, versioning: ctx } = args;
  const staticParts = (id: string) => args.planner.staticParts(id);
  const registry = ctx ? readRegistry(ctx.projectRoot, slug) : undefined;
  const versions = await args.state.versionsOfSlice(slug, slice);
  const named = nameDatasetVersion({ graph, dataset: slug, slice, results, staticParts, versions, recorded: registry?.versions });
  const { mode, reason } = named.decision;
  if (ctx?.expect !== undefined && ctx.expect !== mode) {
    throw new KfmError('check', `${slug}@${slice}: expected a ${ctx.expect}, but this build is a ${mode} (${reason}); nothing was recorded for ${slug}`);
  }
  const dvid = named.datasetVersionId;
  args.onEvent({ type: 'dataset-version', dataset: slug, slice, datasetVersionId: dvid, mode, reason, created: named.created });
  const dsResults = graph.datasets.get(slug)!.nodes.map((id) => results.get(id)!);
  await requireIntactOutputs(slug, dsResults, store, args.onEvent, args.verified);
  await recordDatasetVersion(args.state, named, { runId: args.runId, now: args.now });
  crashPoint('version-recorded');
  const paths = await linkDatasetVersion(named, { store, dataDir, dataTree: args.dataTree, onEvent: args.onEvent });
  crashPoint('data-linked');
  const linked: LinkedVersion = {
    dataset: slug,
    slice,
    datasetVersionId: dvid,
    specHash: named.spec.specHash,
    inputsDigest: named.inputsDigest,
    created: named.created,
    mode,
    modeReason: reason,
    receipts: [],
    paths,
    stages: [],
    // A retry keeps the registry's status (a steward may have overridden the quarantine).
    status: registry?.versions.find((v) => v.dataset_version_id === dvid)?.status ?? (named.qa.quarantined ? 'quarantined' : 'candidate'),
    failedChecks: named.qa.failedChecks,
  };
  if (!ctx) return linked;
  registerDatasetVersion(ctx.projectRoot, registry, graph, named);
  crashPoint('registry-written');
  const recorded = await recordVersionReceipts(ctx, { graph, named, results, staticParts, store, dataDir, dataTree: args.dataTree, runId: args.runId, now: args.now, determinism: args.determinism, forced: args.forced });
  anchorVersionReceipts(ctx.projectRoot, slug, dvid, recorded);
  crashPoint('receipts-anchored');
  const stages = await runVersionStages(ctx, {
    graph, slug, slice, datasetVersionId: dvid, specHash: named.spec.specHash, mode, modeReason: reason,
    versions: args.state, store, dataDir, dataTree: args.dataTree, runId: args.runId, now: args.now,
  });
  const stagePaths = stages.flatMap((s) => s.paths);
  return { ...linked, receipts: recorded.runIds, paths: [...paths, ...recorded.paths, ...stagePaths], stages };
}
