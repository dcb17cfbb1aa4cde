import { LEDGER_KIND_APPROVAL } from '../../store/receipts/approvalRecord.js';
import { claimedReceipt, readLedgerEntries } from './ledgerReader.js';
import type { ProjectPaths } from '../load/projectPaths.js';
import { targetMatches, type VersionTarget } from '../graph/versionTarget.js';

/** The format of `kfm log --json` (schemas/log-report.schema.json). */
export const LOG_REPORT_VERSION = 'v1';

export interface LogEntry {
  seq: number;
  kind: string;
  operation: string | null;
  mode: string | null;
  dataset_slug: string | null;
  dataset_version_id: string | null;
  run_id: string | null;
  node: string | null;
  created_at: string;
  entry_hash: string;
}

/**
 * `kfm log [target]`: the audit ledger's entries, oldest first, with what each receipt
 * claims (unverified: `kfm receipts verify` checks signatures and the chain).
 */
export async function ledgerLog(paths: ProjectPaths, target?: VersionTarget): Promise<LogEntry[]> {
  return (await readLedgerEntries(paths.kfmDir, target?.slug))
    .filter((e) => !target || targetMatches(target, e.datasetSlug, e.datasetVersionId))
    .map((e) => {
      const r = claimedReceipt(e);
      const str = (v: unknown) => (typeof v === 'string' ? v : null);
      return {
        seq: e.seq,
        kind: e.kind,
        // An approval (kfm approve) is no run receipt: its operation is `approve`.
        operation: e.kind === LEDGER_KIND_APPROVAL ? 'approve' : str(r?.operation),
        mode: str(r?.mode),
        dataset_slug: e.datasetSlug,
        dataset_version_id: e.datasetVersionId,
        run_id: e.runId,
        node: str(r?.node),
        created_at: e.createdAt,
        entry_hash: e.entryHash,
      };
    });
}
