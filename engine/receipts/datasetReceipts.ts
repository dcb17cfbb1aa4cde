import { receiptEnvironmentBlock } from './receiptEnvironment.js';
import type { NodeResult } from '../../store/state.js';
import {
  artifactIdOf,
  runId,
  type ReceiptIngest,
  type ReceiptDeterminism,
  type ReceiptInput,
  type RunReceipt,
  type ValidationStatus,
} from '../../store/receipts/runReceipt.js';
import type { Actor } from './actor.js';
import { canonicalDigest } from '../../core/canonicalJson.js';
import { isDigest, type Digest } from '../../core/digest.js';
import type { Graph, GraphNode } from '../graph/graph.js';
import type { Json, JsonObject } from '../../core/json.js';
import type { Zone } from '../../core/spec.js';
import type { StaticParts } from '../plan/planner.js';
import { policyLabelOf } from '../../core/policyLabel.js';
import type { BuildRerunMode } from '../../core/buildRerunMode.js';
import type { DeterminismFinding } from '../schedule/determinismCheck.js';

/** The output a QA task writes (tasks/qa/qaTask.ts); a `qa` receipt carries its results. */
export const QA_REPORT_NAME = 'qa/validation_report.json';

/** Facts about where kfm ran, the same for every receipt of a build. */
export interface ReceiptEnvironment {
  gitCommit: string | null;
  kfmVersion: string;
  nodeVersion: string;
  platform: string;
}

export interface DatasetReceiptsArgs {
  graph: Graph;
  slug: string;
  datasetVersionId: string;
  specHash: Digest;
  mode: BuildRerunMode;
  modeReason: string;
  results: ReadonlyMap<string, NodeResult>;
  staticParts: (id: string) => StaticParts;
  /** Where a node's output is linked, relative to data/. */
  outputPath: (nodeId: string, name: string) => string;
  /** A store object's bytes (the QA report). */
  readObject: (digest: Digest) => Buffer;
  /** The build's run id (`kfm build`'s, not a receipt's). */
  buildRunId: string;
  actor: Actor;
  environment: ReceiptEnvironment;
  now: Date;
  /** `--verify-determinism`'s findings: a checked node's receipt carries its `determinism`. */
  determinism?: ReadonlyMap<string, DeterminismFinding> | undefined;
  /** The nodes `kfm build --force` ran in this build: their receipts carry `forced: true`. */
  forced?: ReadonlySet<string> | undefined;
}

/**
 * The run receipts of a dataset version, one per task node (its operation: ingest,
 * transform or qa), in the dataset's declaration order: what the node read (declared input
 * files, an ingest's upstream URL, upstream outputs) and wrote (with their paths under
 * data/), its parameters (as its result meta's `receipt_parameters` gives them, e.g. with
 * credentials redacted), the QA results of a `qa` node, the conditional-request facts of
 * an `ingest` node (from its result meta), and the timestamps of the run that produced its
 * result. Also returns the declared input files, which must be put in the content store
 * before the receipts are recorded (every digest a receipt names is stored).
 */
export function datasetReceipts(a: DatasetReceiptsArgs): { receipts: RunReceipt[]; inputFiles: { path: string; digest: Digest }[] } {
  const ds = a.graph.datasets.get(a.slug)!;
  const label = policyLabelOf(ds.spec);
  const obligations = (ds.spec.sensitivity?.obligations ?? []).filter((o): o is string => typeof o === 'string' && o !== '');
  const inputFiles = new Map<string, Digest>();
  const receipts: RunReceipt[] = [];
  for (const id of ds.nodes) {
    const node = a.graph.nodes.get(id)!;
    const result = a.results.get(id)!;
    const inputs: ReceiptInput[] = [];
    for (const [path, digest] of a.staticParts(id).inputs) {
      inputFiles.set(path, digest);
      inputs.push({ artifact_id: artifactIdOf(digest), zone: 'raw', uri: `file:${path}`, digest });
    }
    const ingest = node.operation === 'ingest' ? ingestFacts(result.meta) : undefined;
    if (ingest?.url !== undefined && isDigest(ingest.digest)) {
      inputs.push({ artifact_id: artifactIdOf(ingest.digest), zone: 'raw', uri: ingest.url, digest: ingest.digest });
    }
    for (const dep of node.deps) {
      const up = a.graph.nodes.get(dep)!;
      for (const o of a.results.get(dep)!.outputs) {
        const here = up.dataset === a.slug ? a.outputPath(dep, o.name) : undefined;
        const uri = here !== undefined ? `data/${here}` : `${dep}:${o.name}`;
        inputs.push({ artifact_id: artifactIdOf(o.digest), zone: here !== undefined ? linkedZone(here, up.zone) : up.zone, uri, digest: o.digest });
      }
    }
    const parameters = receiptParameters(node, result.meta);
    const finished = Date.parse(result.finishedAt);
    const forced = result.runId === a.buildRunId && a.forced?.has(id) === true;
    const rerun =
      result.runId !== a.buildRunId ? `; ${id} did not run again: its result from build ${result.runId} stands` : forced ? `; ${id} was forced to run again (kfm build --force)` : '';
    receipts.push({
      kfm_run_receipt_version: 'v1',
      run_id: runId(a.now, a.slug, canonicalDigest([a.buildRunId, id, result.key])),
      operation: node.operation,
      mode: a.mode,
      mode_reason: `${a.modeReason}${rerun}`,
      actor: { principal: a.actor.principal, role: a.actor.role },
      dataset_slug: a.slug,
      dataset_version_id: a.datasetVersionId,
      spec_hash: a.specHash,
      inputs,
      outputs: result.outputs.map((o) => ({
        artifact_id: artifactIdOf(o.digest),
        zone: linkedZone(a.outputPath(id, o.name), node.zone),
        path: a.outputPath(id, o.name),
        digest: o.digest,
        media_type: o.media_type,
      })),
      environment: receiptEnvironmentBlock(a.environment, parameters),
      validation: node.operation === 'qa' ? qaValidation(result, a.readObject) : { status: 'not_applicable', reports: [] },
      policy: {
        policy_label: label,
        decision_id: `kfm://policy_decision/spec-intent/${a.slug}@${a.datasetVersionId}/${label}`,
        obligations,
      },
      timestamps: {
        started_at: new Date(finished - Math.max(0, result.durationMs)).toISOString(),
        ended_at: new Date(finished).toISOString(),
      },
      created_at: a.now.toISOString(),
      ...(ingest?.receipt ? { ingest: ingest.receipt } : {}),
      ...receiptDeterminism(a.determinism?.get(id)),
      ...(forced ? { forced: true as const } : {}),
      node: id,
      node_key: result.key,
    });
  }
  return { receipts, inputFiles: [...inputFiles].map(([path, digest]) => ({ path, digest })) };
}

/**
 * The zone an output is linked in: its node's, except that a quarantined version's processed
 * outputs are linked under `quarantine/` (engine/versions/nameDatasetVersion.ts).
 */
function linkedZone(path: string, declared: Zone): Zone {
  return declared === 'processed' && path.startsWith('quarantine/') ? 'quarantine' : declared;
}

/** A checked node's `determinism` block (snake_case, as the receipt schema has it); nothing for a node not checked. */
function receiptDeterminism(f: DeterminismFinding | undefined): { determinism?: ReceiptDeterminism } {
  if (!f) return {};
  return {
    determinism: {
      checked: true,
      deterministic: f.deterministic,
      declared_nondeterministic: f.declared,
      differing: f.differing.map((d) => ({
        name: d.name,
        first_digest: d.first,
        second_digest: d.second,
        ...(d.firstDifference ? { first_difference: d.firstDifference } : {}),
      })),
      ...(f.error !== undefined ? { error: f.error } : {}),
    },
  };
}

/**
 * The node's parameters as its receipt records them: what the task's result meta names as
 * `receipt_parameters` (an object), else its params. A task whose params carry credentials
 * says there what may be recorded (the built-in ingest redacts its source URL and credential
 * headers, tasks/ingest/receiptParameters.ts).
 */
function receiptParameters(node: GraphNode, meta: Json): JsonObject {
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) return node.params;
  const declared = meta.receipt_parameters;
  return typeof declared === 'object' && declared !== null && !Array.isArray(declared) ? declared : node.params;
}

/** The QA report's status and per-check results, with its digest. */
function qaValidation(result: NodeResult, readObject: (digest: Digest) => Buffer): RunReceipt['validation'] {
  const report = result.outputs.find((o) => o.name === QA_REPORT_NAME);
  if (!report) return { status: 'not_applicable', reports: [] };
  let doc: { status?: unknown; reports?: unknown };
  try {
    doc = JSON.parse(readObject(report.digest).toString('utf8')) as typeof doc;
  } catch {
    return { status: 'not_applicable', reports: [], report_digest: report.digest };
  }
  const status = (s: unknown): ValidationStatus => (s === 'pass' || s === 'fail' ? s : 'not_applicable');
  const reports = Array.isArray(doc.reports)
    ? (doc.reports as unknown[]).flatMap((r) => {
        if (typeof r !== 'object' || r === null) return [];
        const { name, status: s, value } = r as Record<string, unknown>;
        if (typeof name !== 'string' || name === '') return [];
        const v = typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean' || value === null ? { value } : {};
        return [{ name, status: status(s), ...v }];
      })
    : [];
  return { status: status(doc.status), reports, report_digest: report.digest };
}

/**
 * An ingest's conditional-request facts from its result's meta (tasks/ingest/ingestMeta.ts):
 * the receipt's `ingest` block (left out when the status is neither 200, 304 nor a file's
 * null, which the receipt schema cannot carry), and for an HTTP source its URL and digest.
 */
function ingestFacts(meta: Json): { receipt?: ReceiptIngest; url?: string; digest?: unknown } | undefined {
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta) || meta.kfm_ingest_meta_version !== 'v1') return undefined;
  const str = (k: string): string | null => (typeof meta[k] === 'string' ? (meta[k] as string) : null);
  const status = meta.http_status;
  const decision = meta.decision;
  const prior = meta.prior_digest;
  const url = meta.access_method === 'http' && typeof meta.source_url === 'string' ? { url: meta.source_url, digest: meta.digest } : {};
  if ((status !== 200 && status !== 304 && status !== null) || (decision !== 'materialize' && decision !== 'no_op')) return url;
  if ((status === 304) !== (decision === 'no_op')) return url;
  return {
    ...url,
    receipt: {
      http_status: status,
      etag_sent: str('etag_sent'),
      etag_received: str('etag_received'),
      last_modified_sent: str('last_modified_sent'),
      last_modified_received: str('last_modified_received'),
      decision,
      prior_digest: isDigest(prior) ? prior : null,
    },
  };
}
