import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { LedgerEntry } from '../../store/ledger/ledger.js';
import { openLedgerReadOnly, openProjectStore, readStateVersionModes } from '../load/openSeams.js';
import { seamConfig } from '../load/seamConfig.js';
import { precheckLedger } from '../../store/ledger/precheckLedger.js';
import { verifyLedger, type LedgerProblem, type LedgerProblemReason } from '../../store/ledger/verifyLedger.js';
import { auditProject, explainUnpinned, projectTrust, unpinnedKeyNotices } from './auditProject.js';
import type { ProjectPaths } from '../load/projectPaths.js';
import { targetMatches, type VersionTarget } from '../graph/versionTarget.js';
import { checkWithCollected } from '../gc/collectedLog.js';
import type { AuditNotice } from './auditNotice.js';

/** The format of `kfm receipts verify --json` (schemas/receipts-verify-report.schema.json). */
export const RECEIPTS_VERIFY_REPORT_VERSION = 'v1';

export interface ReceiptsVerification {
  /** Entries in the ledger. */
  entries: number;
  /** Entries of the target (all of them without one). */
  checked: number;
  /** The newest entry's hash: record it elsewhere to detect a truncated ledger later. */
  head: string | null;
  /** What is wrong, by seq (receipt-file problems without a seq last); empty when all verifies. */
  problems: LedgerProblem[];
  /** What another ledger recorded and this one cannot check (a clone's view of committed anchors): never a failure. */
  notices: AuditNotice[];
}

/** Problems of the chain as a whole: reported whatever the target, since they undermine every entry after them. */
const CHAIN: ReadonlySet<LedgerProblemReason> = new Set([
  'chain-broken',
  'entry-hash-mismatch',
  'sequence-gap',
  'sequence-out-of-order',
  'duplicate-entry',
  'trust-file-missing',
  'head-missing',
]);

/**
 * `kfm receipts verify [target]`: the audit ledger end to end (verifyLedger: the hash chain,
 * every signature against the project's trusted keys, every receipt against its schema,
 * every digest a receipt names against the content store (one kfm gc collected, in its log,
 * counts as accounted for), and the receipt files under
 * data/catalog/), pinned against kfm.trust.json (projectTrust), and beyond the ledger the
 * data/ tree, the registry and its anchors, and an externally recorded head (auditProject).
 * With a target, problems of other datasets' entries and files are left out,
 * but not problems of the chain itself. Opens nothing for writing; a missing ledger is empty.
 */
export async function verifyReceipts(paths: ProjectPaths, target?: VersionTarget, options: { head?: string | undefined } = {}): Promise<ReceiptsVerification> {
  const ledger = openLedgerReadOnly(paths.kfmDir);
  try {
    const rows = ledger ? await ledger.entries() : [];
    // kfm gc's collected log is the local store's (gc does not run on another backend).
    const store =
      seamConfig().store.kind !== 'local'
        ? openProjectStore(paths)
        : existsSync(paths.storeDir)
          ? checkWithCollected(openProjectStore(paths), paths.storeDir)
          : { check: async () => 'missing' as const };
    const trust = projectTrust(paths, rows.length);
    // Hashes and signatures on worker threads meanwhile (a large ledger).
    const precheck = precheckLedger(rows, trust.keys);
    const audit = auditProject(paths, rows, { ...options, stateVersions: await readStateVersionModes(paths) });
    const problems = [
      ...trust.problems,
      ...(
        await verifyLedger({
          ledger: { entries: () => rows },
          store,
          trustedKeys: trust.keys,
          catalogDir: join(paths.dataDir, 'catalog'),
          requireReceiptFiles: true,
          precheck: await precheck,
        })
      ).map(explainUnpinned),
      ...audit.problems,
    ];
    const bySeq = new Map<number, LedgerEntry>(rows.map((r) => [r.seq, r]));
    const inTarget = (p: LedgerProblem): boolean => {
      if (!target || CHAIN.has(p.reason)) return true;
      if (p.path !== undefined) {
        const [slug, dvid] = p.path.split('/');
        return targetMatches(target, slug ?? null, dvid ?? null);
      }
      if (p.file !== undefined) return fileInTarget(target, p.file);
      const row = p.seq === null ? undefined : bySeq.get(p.seq);
      return row !== undefined && targetMatches(target, row.datasetSlug, row.datasetVersionId);
    };
    return {
      entries: rows.length,
      checked: target ? rows.filter((r) => targetMatches(target, r.datasetSlug, r.datasetVersionId)).length : rows.length,
      head: rows.length > 0 ? rows[rows.length - 1]!.entryHash : null,
      problems: problems.filter(inTarget),
      notices: [...audit.notices, ...unpinnedKeyNotices(problems, paths.kfmDir)].filter((n) => !target || n.file === undefined || fileInTarget(target, n.file)),
    };
  } finally {
    await ledger?.close();
  }
}

/** A data/ or registry/ file's problem belongs to a target when its slug (and dvid, for data/) does. */
function fileInTarget(target: VersionTarget, file: string): boolean {
  const parts = file.split('/');
  if (parts[0] === 'registry') return parts[1] === `${target.slug}.json`;
  if (parts[0] === 'data') return targetMatches(target, parts[2] ?? null, parts[3] ?? null);
  return true;
}
