import { KfmError } from '../../core/error.js';
import { locateProject } from '../../engine/load/locateProject.js';
import { showLedgerEntry } from '../../engine/receipts/showLedgerEntry.js';
import type { CliContext } from '../cliContext.js';

const USAGE = 'usage: kfm receipts show <seq|run_id> [--json]';

/**
 * `kfm receipts show <seq|run_id>`: one ledger entry decoded (envelope, statement, subjects,
 * the receipt), its signature checked against kfm.trust.json and its chain position. Exit 0
 * when it verifies, 1 when it does not, 2 when there is no such entry.
 */
export async function receiptsShowCommand(cli: CliContext, args: string[]): Promise<number> {
  if (args.length !== 1) throw new KfmError('usage', USAGE);
  const report = await showLedgerEntry(locateProject(cli.project), args[0]!);
  const code = report.signature.status === 'verified' && report.chain.intact ? 0 : 1;
  if (cli.reporter === 'json') {
    cli.out(JSON.stringify(report, null, 2) + '\n');
    return code;
  }
  const version = report.dataset_slug === null ? '-' : `${report.dataset_slug}@${report.dataset_version_id ?? '-'}`;
  const lines = [
    `entry      seq ${report.seq} (${report.kind}), ${report.created_at}`,
    `run        ${report.run_id ?? '-'}`,
    `version    ${version}`,
    `chain      entry ${report.chain.entry_hash}, after ${report.chain.prev_hash}: ${report.chain.intact ? 'intact' : 'BROKEN at or before this entry'}`,
    `envelope   ${report.envelope.payload_type ?? '(not a DSSE envelope)'}, signed by ${report.envelope.signatures.map((s) => s.keyid ?? '(no key id)').join(', ') || 'nobody'}`,
    `signature  ${report.signature.status === 'verified' ? `verified with pinned key ${report.signature.keyid}` : `NOT verified: ${report.signature.problems.join('; ')}`}`,
    `statement  ${report.statement.type ?? '-'}, predicate ${report.statement.predicate_type ?? '-'}`,
    ...report.statement.subjects.map((s) => `subject    ${s.name}  ${s.digest ?? '(no sha256)'}`),
    'predicate:',
    JSON.stringify(report.statement.predicate, null, 2),
  ];
  cli.out(lines.join('\n') + '\n');
  return code;
}
