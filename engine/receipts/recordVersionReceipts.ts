import type { DataTreeSettings } from '../../store/dataTree.js';
import { join } from 'node:path';
import type { ContentStore } from '../../store/contentStore.js';
import type { NodeResult } from '../../store/state.js';
import type { Graph } from '../graph/graph.js';
import type { StaticParts } from '../plan/planner.js';
import type { NamedVersion } from '../versions/nameDatasetVersion.js';
import type { VersioningContext } from '../versions/versioningContext.js';
import { datasetReceipts, QA_REPORT_NAME } from './datasetReceipts.js';
import { hasCompleteTaskReceipts, retryReceipt } from './retryReceipt.js';
import type { RecordedReceipts } from './receiptWriter.js';
import type { DeterminismFinding } from '../schedule/determinismCheck.js';

/**
 * Signs and records the run receipts of a named version, one per task node
 * (engine/receipts/datasetReceipts.ts), through the context's receipt writer, and reports
 * them as a `receipts-recorded` event. A retry in which no node ran (all cached, none
 * forced or determinism-checked) of a version whose per-node receipts the ledger already
 * holds signs one `retry` receipt instead (engine/receipts/retryReceipt.ts).
 */
export async function recordVersionReceipts(
  ctx: VersioningContext,
  a: {
    graph: Graph;
    named: NamedVersion;
    results: ReadonlyMap<string, NodeResult>;
    staticParts: (id: string) => StaticParts;
    store: ContentStore;
    dataDir: string;
    dataTree: DataTreeSettings;
    runId: string;
    now: string;
    determinism?: ReadonlyMap<string, DeterminismFinding> | undefined;
    forced?: ReadonlySet<string> | undefined;
  },
): Promise<RecordedReceipts> {
  const { named } = a;
  // The QA reports a receipt summarises, read (verified) through the store first: assembling
  // receipts stays synchronous and pure. One that cannot be read is left out (not_applicable).
  const reports = new Map<string, Buffer>();
  for (const id of a.graph.datasets.get(named.slug)?.nodes ?? []) {
    const report = a.results.get(id)?.outputs.find((o) => o.name === QA_REPORT_NAME);
    if (report) await a.store.get(report.digest).then((bytes) => reports.set(report.digest, bytes), () => undefined);
  }
  const { receipts, inputFiles } = datasetReceipts({
    graph: a.graph,
    slug: named.slug,
    datasetVersionId: named.datasetVersionId,
    specHash: named.spec.specHash,
    mode: named.decision.mode,
    modeReason: named.decision.reason,
    results: a.results,
    staticParts: a.staticParts,
    outputPath: (node, name) => named.paths.get(`${node}\n${name}`)!,
    readObject: (d) => {
      const bytes = reports.get(d);
      if (!bytes) throw new Error(`store object ${d} could not be read`);
      return bytes;
    },
    buildRunId: a.runId,
    actor: ctx.actor,
    environment: ctx.environment(),
    now: new Date(a.now),
    determinism: a.determinism,
    forced: a.forced,
  });
  // A no-op build of an existing version (nothing ran, nothing forced or checked) signs one retry receipt, not one per node.
  const nodes = a.graph.datasets.get(named.slug)?.nodes ?? [];
  const noop =
    named.decision.mode === 'retry' &&
    receipts.length > 0 &&
    nodes.every((id) => a.results.get(id)?.runId !== a.runId) &&
    (a.determinism?.size ?? 0) === 0 &&
    hasCompleteTaskReceipts(await ctx.receipts.entriesFor(named.slug, named.datasetVersionId), new Map(nodes.map((id) => [id, a.results.get(id)!.key])));
  ctx.pinTrust();
  const recorded = await ctx.receipts.record({
    receipts: noop ? [retryReceipt(receipts, { buildRunId: a.runId, now: new Date(a.now), environment: ctx.environment() })] : receipts,
    inputFiles: inputFiles.map((f) => ({ absPath: join(a.graph.root, f.path), digest: f.digest })),
    store: a.store,
    dataDir: a.dataDir,
    dataTree: a.dataTree,
  });
  ctx.onEvent({
    type: 'receipts-recorded',
    dataset: named.slug,
    datasetVersionId: named.datasetVersionId,
    count: recorded.runIds.length,
    firstSeq: recorded.seqs[0] ?? 0,
    lastSeq: recorded.seqs[recorded.seqs.length - 1] ?? 0,
  });
  return recorded;
}
