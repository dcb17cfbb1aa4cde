import type { PolicyLabel } from '../../core/policyLabel.js';
import { canonicalDigest } from '../../core/canonicalJson.js';
import { digestHex, type Digest } from '../../core/digest.js';
import { KfmError } from '../../core/error.js';
import type { JsonObject } from '../../core/json.js';
import { SLUG_RE, type Zone } from '../../core/spec.js';
import { schemaValidator } from '../schemaValidator.js';

/** The receipt format this kfm writes (`kfm_run_receipt_version`). */
export const RUN_RECEIPT_VERSION = 'v1';
export const RUN_RECEIPT_SCHEMA_ID = 'https://kfm.dev/schemas/run-receipt.schema.json';

/** `retry`: a versioned build found every task node of an existing version cached, and signs one receipt for the version (`cached_nodes`). */
export type ReceiptOperation = 'ingest' | 'transform' | 'qa' | 'catalog' | 'promote' | 'rebuild' | 'rollback' | 'retry';
/** The rerun mode the engine found (CONTRACTS.md "Rerun modes"); `new` for a slice's first version. */
export type RerunMode = 'new' | 'retry' | 'reprocess' | 'backfill' | 'rebuild' | 'rollback';
export type ValidationStatus = 'pass' | 'fail' | 'not_applicable';

/** `kfm://artifact/sha256:<hex>`: the artifact a digest names. */
export type ArtifactId = `kfm://artifact/sha256:${string}`;

export interface ReceiptInput {
  artifact_id: ArtifactId;
  zone: Zone;
  /** Where it was read: a path under data/, a project file, or an upstream URL (credentials redacted). */
  uri: string;
  digest: Digest;
}

export interface ReceiptOutput {
  artifact_id: ArtifactId;
  zone: Zone;
  /** Relative to data/, `/`-separated. Also the subject name in the signed statement. */
  path: string;
  digest: Digest;
  media_type: string;
}

/** Conditional-request facts of an ingest; fields that do not apply are null. */
export interface ReceiptIngest {
  http_status: 200 | 304 | null;
  etag_sent: string | null;
  etag_received: string | null;
  last_modified_sent: string | null;
  last_modified_received: string | null;
  decision: 'materialize' | 'no_op';
  prior_digest: Digest | null;
}

/** What `kfm build --verify-determinism` found when it ran the node a second time. */
export interface ReceiptDeterminism {
  checked: true;
  deterministic: boolean;
  /** The task declares `nondeterministic: true` (reported, not a failure). */
  declared_nondeterministic: boolean;
  differing: {
    name: string;
    first_digest: Digest | null;
    second_digest: Digest | null;
    first_difference?: { line: number; first: string; second: string };
  }[];
  /** The second run failed. */
  error?: string;
}

/** A run receipt (schemas/run-receipt.schema.json, CONTRACTS.md "Run receipt"). */
export interface RunReceipt {
  kfm_run_receipt_version: typeof RUN_RECEIPT_VERSION;
  /** From `runId()`. */
  run_id: string;
  operation: ReceiptOperation;
  mode: RerunMode;
  mode_reason: string;
  actor: { principal: string; role: string };
  dataset_slug: string;
  dataset_version_id: string;
  spec_hash: Digest;
  inputs: ReceiptInput[];
  outputs: ReceiptOutput[];
  environment: {
    /** Full commit id; null outside a git checkout. */
    git_commit: string | null;
    container_digest?: Digest;
    runtime: { kfm_version: string; node_version: string; platform: string };
    /** `canonicalDigest(parameters)`: sha256 over their RFC 8785 form. */
    params_digest: Digest;
    parameters: JsonObject;
  };
  validation: {
    status: ValidationStatus;
    reports: { name: string; status: ValidationStatus; value?: number | string | boolean | null }[];
    report_digest?: Digest;
  };
  policy: { policy_label: PolicyLabel; decision_id: string; obligations: string[] };
  timestamps: { started_at: string; ended_at: string };
  created_at: string;
  ingest?: ReceiptIngest;
  /** Only in a receipt of a build run with `--verify-determinism`, for a node it checked. */
  determinism?: ReceiptDeterminism;
  /** `kfm build --force` (`-B`) ran the node although its stored result stood; absent otherwise (and from older receipts). */
  forced?: true;
  /** Only in a `retry` receipt: the version's task nodes, their keys and operations, in declaration order (none ran again). */
  cached_nodes?: { node: string; node_key: Digest; operation: 'ingest' | 'transform' | 'qa' }[];
  /** `<slug>/<task>`. */
  node?: string;
  node_key?: Digest;
}

export function artifactIdOf(digest: Digest): ArtifactId {
  return `kfm://artifact/${digest}` as ArtifactId;
}

const RUN_ID_RE = /^kfm:\/\/run\/([0-9]{8}T[0-9]{6}Z)\.([a-z0-9_]+)\.([0-9a-f]{8})$/;

/**
 * `kfm://run/<time>.<slug>.<hash8>`. The time is UTC in ISO 8601 *basic* format to the
 * second (`20260302T141500Z`, as kfm's build run ids): no `:` (receipt file names are
 * portable) and no `.` (the separator). `hash8` is the first 8 hex of `seed`, a digest
 * unique to the operation (e.g. over the build run id, the node id and its key), so two
 * operations in the same second get distinct ids.
 */
export function runId(date: Date, slug: string, seed: Digest): string {
  if (!SLUG_RE.test(slug)) throw new KfmError('store', `cannot form a run id: invalid dataset slug ${JSON.stringify(slug)}`);
  if (Number.isNaN(date.getTime())) throw new KfmError('store', 'cannot form a run id: invalid date');
  const time = date.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `kfm://run/${time}.${slug}.${digestHex(seed).slice(0, 8)}`;
}

/** The parts of a run id, or undefined when it is not one. */
export function parseRunId(id: string): { time: string; slug: string; hash8: string } | undefined {
  const m = RUN_ID_RE.exec(id);
  return m ? { time: m[1]!, slug: m[2]!, hash8: m[3]! } : undefined;
}

/**
 * The receipt's file name under `data/catalog/<slug>/<dvid>/receipts/`: the run id without
 * its scheme, `20260302T141500Z.ks_counties.ab12cd34.json`.
 */
export function receiptFileName(id: string): string {
  if (!parseRunId(id)) throw new KfmError('store', `not a run id: ${JSON.stringify(id)}`);
  return `${id.slice('kfm://run/'.length)}.json`;
}

/** The run id a receipt file name stands for, or undefined. */
export function runIdOfReceiptFile(name: string): string | undefined {
  if (!name.endsWith('.json')) return undefined;
  const id = `kfm://run/${name.slice(0, -'.json'.length)}`;
  return parseRunId(id) ? id : undefined;
}

const schemaProblems = schemaValidator('run-receipt');

/**
 * Checks a receipt against the schema, then the rules the schema cannot state. Returns the
 * problems as `<instancePath> <message>` (`/` for the root); empty when the receipt is valid.
 */
export function validateReceipt(receipt: unknown): string[] {
  const problems = schemaProblems(receipt);
  return problems.length > 0 ? problems : semanticProblems(receipt as RunReceipt);
}

function semanticProblems(r: RunReceipt): string[] {
  const problems: string[] = [];
  const artifacts: [string, { artifact_id: string; digest: string }[]][] = [
    ['inputs', r.inputs],
    ['outputs', r.outputs],
  ];
  for (const [list, items] of artifacts) {
    items.forEach((a, i) => {
      if (a.artifact_id !== `kfm://artifact/${a.digest}`) {
        problems.push(`/${list}/${i}/artifact_id must name its digest (kfm://artifact/${a.digest})`);
      }
    });
  }
  const run = parseRunId(r.run_id);
  if (run && run.slug !== r.dataset_slug) problems.push(`/run_id must name dataset_slug "${r.dataset_slug}" (it names "${run.slug}")`);
  if (r.node !== undefined && r.node.slice(0, r.node.indexOf('/')) !== r.dataset_slug) {
    problems.push(`/node must be a task of dataset "${r.dataset_slug}"`);
  }
  if ((r.operation === 'retry') !== (r.cached_nodes !== undefined)) problems.push('/cached_nodes is in a receipt exactly when its operation is "retry"');
  r.cached_nodes?.forEach((c, i) => {
    if (c.node.slice(0, c.node.indexOf('/')) !== r.dataset_slug) problems.push(`/cached_nodes/${i}/node must be a task of dataset "${r.dataset_slug}"`);
  });
  const spec8 = digestHex(r.spec_hash).slice(0, 8);
  if (r.dataset_version_id.split('.')[1] !== spec8) {
    problems.push(`/dataset_version_id must carry the first 8 hex of spec_hash (${spec8})`);
  }
  let params: Digest | undefined;
  try {
    params = canonicalDigest(r.environment.parameters);
  } catch (e) {
    problems.push(`/environment/parameters cannot be canonicalized: ${(e as Error).message}`);
  }
  if (params !== undefined && params !== r.environment.params_digest) {
    problems.push(`/environment/params_digest must be the digest of /environment/parameters (${params})`);
  }
  if (Date.parse(r.timestamps.ended_at) < Date.parse(r.timestamps.started_at)) {
    problems.push('/timestamps/ended_at must not be before started_at');
  }
  if (r.ingest !== undefined) {
    if (r.operation !== 'ingest') problems.push(`/ingest is only for ingest receipts (operation is "${r.operation}")`);
    if ((r.ingest.http_status === 304) !== (r.ingest.decision === 'no_op')) {
      problems.push('/ingest/decision must be "no_op" exactly when http_status is 304');
    }
  }
  return problems;
}
