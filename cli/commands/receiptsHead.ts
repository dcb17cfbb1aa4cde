import { locateProject } from '../../engine/load/locateProject.js';
import { readLedgerEntries } from '../../engine/receipts/ledgerReader.js';
import { GENESIS_HASH } from '../../store/ledger/ledger.js';
import type { CliContext } from '../cliContext.js';

/** The format of `kfm receipts head --json` (schemas/receipts-head-report.schema.json). */
export const RECEIPTS_HEAD_REPORT_VERSION = 'v1';

/**
 * `kfm receipts head`: the audit ledger's newest entry, `seq` and `entry_hash` (seq 0 and the
 * genesis hash for an empty ledger), to record outside the project (CI, a promotion
 * manifest) and check later with `kfm receipts verify --head <hash>`. Reads only; exit 0.
 */
export async function receiptsHeadCommand(cli: CliContext): Promise<number> {
  const rows = await readLedgerEntries(locateProject(cli.project).kfmDir);
  const last = rows[rows.length - 1];
  const seq = last?.seq ?? 0;
  const hash = last?.entryHash ?? GENESIS_HASH;
  if (cli.reporter === 'json') {
    cli.out(JSON.stringify({ kfm_receipts_head_version: RECEIPTS_HEAD_REPORT_VERSION, seq, entry_hash: hash }, null, 2) + '\n');
  } else {
    cli.out(`seq ${seq} ${hash}\n`);
  }
  return 0;
}
