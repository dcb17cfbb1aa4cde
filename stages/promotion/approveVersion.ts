import { mkdirSync } from 'node:fs';
import { systemClock, type Clock } from '../../core/clock.js';
import { KfmError } from '../../core/error.js';
import { readRegistry, registryFile } from '../../store/registry/datasetRegistry.js';
import { approvalRecord, approvalStatement, LEDGER_KIND_APPROVAL, validateApproval, type ApprovalRecord } from '../../store/receipts/approvalRecord.js';
import { signStatement } from '../../store/receipts/dsse.js';
import { loadOrCreateSigningKey } from '../../store/receipts/signingKey.js';
import { trustPublicKey } from '../../store/receipts/trustedKeys.js';
import { parseVersionTarget } from '../../engine/graph/versionTarget.js';
import { actorOf } from '../../engine/receipts/actor.js';
import { openLedger, openProjectLock } from '../../engine/load/openSeams.js';
import type { ProjectPaths } from '../../engine/load/projectPaths.js';

/** The format of `kfm approve --json` (schemas/approve-report.schema.json). */
export const APPROVE_REPORT_VERSION = 'v1';

export interface ApproveReport {
  kfm_approve_report_version: typeof APPROVE_REPORT_VERSION;
  approval: ApprovalRecord;
  /** Its audit ledger entry. */
  seq: number;
  entry_hash: string;
}

export interface ApproveOptions {
  /** `--actor` (default: the OS user) and `--role` (required). */
  actor: { principal?: string; role?: string };
  onLockWait?: (holder: string) => void;
  clock?: Clock;
  env?: NodeJS.ProcessEnv;
}

/**
 * `kfm approve <slug>@<dvid> --role <role>`: under the project lock, records that the actor,
 * in that role, approves publishing the version (exactly that dvid and its spec_hash): an
 * approval record (store/receipts/approvalRecord.ts) signed as an in-toto statement in a
 * DSSE envelope with the project's signing key and appended to the audit ledger (kind
 * `approval`). Gate C counts it when the label's policy asks for that role. An unknown or
 * superseded version, or no --role, is a usage error.
 */
export async function approveVersion(paths: ProjectPaths, targetText: string, options: ApproveOptions): Promise<ApproveReport> {
  const target = parseVersionTarget(targetText);
  if (target.datasetVersionId === undefined) throw new KfmError('usage', `kfm approve needs <dataset>@<dataset_version_id>, not "${targetText}"`);
  if (options.actor.role === undefined || options.actor.role === '') throw new KfmError('usage', 'kfm approve needs --role <role> (e.g. --role steward): the role the approval is given in');
  const { slug, datasetVersionId: dvid } = target;
  mkdirSync(paths.kfmDir, { recursive: true });
  const lock = openProjectLock(paths.kfmDir);
  try {
    await lock.acquire(`kfm approve ${targetText}`, options.onLockWait ?? (() => undefined));
    const registry = readRegistry(paths.root, slug);
    if (!registry) throw new KfmError('usage', `dataset "${slug}" is not registered (no ${registryFile(slug)}): build a version of it first`);
    const version = registry.versions.find((v) => v.dataset_version_id === dvid);
    if (!version) throw new KfmError('usage', `${registryFile(slug)} lists no version ${dvid} of ${slug} (its versions: ${registry.versions.map((v) => v.dataset_version_id).join(', ') || 'none yet'})`);
    if (version.status === 'superseded') throw new KfmError('usage', `${slug}@${dvid} is superseded: approving it has no effect`);
    const actor = actorOf(options.actor);
    const record = approvalRecord({ slug, dvid, specHash: version.spec_hash, role: actor.role, principal: actor.principal, now: (options.clock ?? systemClock).now() });
    const problems = validateApproval(record);
    if (problems.length > 0) throw new KfmError('store', `internal: the approval of ${slug}@${dvid} does not match its schema: ${problems.join('; ')}`);
    const key = loadOrCreateSigningKey({ projectRoot: paths.root, ...(options.env ? { env: options.env } : {}) });
    trustPublicKey(paths.kfmDir, key);
    const ledger = openLedger(paths.kfmDir);
    try {
      const entry = await ledger.append({ kind: LEDGER_KIND_APPROVAL, envelope: signStatement(approvalStatement(record), key) });
      return { kfm_approve_report_version: APPROVE_REPORT_VERSION, approval: record, seq: entry.seq, entry_hash: entry.entryHash };
    } finally {
      await ledger.close();
    }
  } finally {
    await lock.close();
  }
}
