import { KfmError } from '../../core/error.js';
import { locateProject } from '../../engine/load/locateProject.js';
import { RECEIPTS_VERIFY_REPORT_VERSION, verifyReceipts } from '../../engine/receipts/verifyReceipts.js';
import { parseVersionTarget } from '../../engine/graph/versionTarget.js';
import type { CliContext } from '../cliContext.js';
import { requireRegistered } from './requireRegistered.js';
import { isDigest } from '../../core/digest.js';
import { repairProjectReceipts } from '../../engine/receipts/repairReceipts.js';

const USAGE =
  'usage: kfm receipts verify [<dataset>[@<slice>|@<dataset_version_id>]] [--repair] [--head <entry hash>] [--json] | kfm receipts head [--json] | kfm receipts show <seq|run_id> [--json] | kfm receipts trust list|add <pem file> [<owner>]';

/** Exit code of `kfm receipts verify` when every problem is a receipt file the ledger can give back (`--repair`). */
export const EXIT_REPAIRABLE = 3;

/**
 * `kfm receipts verify [target]`: prints each problem with its ledger entry (`seq N: …`) or
 * receipt file and exits 1 on any; then each notice (`notice: …`: what another ledger
 * recorded, not checkable here, never a failure); a one-line summary and exit 0 when
 * everything verifies.
 */
export async function receiptsCommand(cli: CliContext): Promise<number> {
  const [sub, targetText, ...extra] = cli.positionals;
  if (sub === 'head' && targetText === undefined) return (await import('./receiptsHead.js')).receiptsHeadCommand(cli);
  if (sub === 'show') return (await import('./receiptsShow.js')).receiptsShowCommand(cli, cli.positionals.slice(1));
  if (sub === 'trust') return (await import('./receiptsTrust.js')).receiptsTrustCommand(cli, cli.positionals.slice(1));
  if (sub !== 'verify' || extra.length > 0) throw new KfmError('usage', USAGE);
  if (cli.head !== undefined && !isDigest(cli.head)) throw new KfmError('usage', `--head needs a ledger entry hash (sha256:<64 hex>, as kfm receipts head prints it), not "${cli.head}"`);
  const target = targetText === undefined ? undefined : parseVersionTarget(targetText);
  const paths = locateProject(cli.project);
  if (target) requireRegistered(paths.root, target);
  const repaired = cli.repair ? await repairProjectReceipts(paths, { onLockWait: (holder) => cli.err(`kfm: waiting for the project lock held by ${holder}\n`) }) : [];
  const v = await verifyReceipts(paths, target, { head: cli.head });
  const ok = v.problems.length === 0;
  const code = ok ? 0 : v.problems.every((p) => p.reason === 'receipt-file-repairable') ? EXIT_REPAIRABLE : 1;
  if (cli.reporter === 'json') {
    cli.out(
      JSON.stringify(
        {
          kfm_receipts_verify_version: RECEIPTS_VERIFY_REPORT_VERSION,
          status: ok ? 'verified' : code === EXIT_REPAIRABLE ? 'repairable' : 'failed',
          target: targetText ?? null,
          entries: v.entries,
          checked: v.checked,
          head: v.head,
          problems: v.problems.map((p) => ({
            seq: p.seq,
            reason: p.reason,
            problem: p.problem,
            ...(p.path !== undefined ? { path: `data/catalog/${p.path}` } : p.file !== undefined ? { path: p.file } : {}),
          })),
          notices: v.notices.map((n) => ({ notice: n.notice, ...(n.file !== undefined ? { path: n.file } : {}) })),
          ...(cli.repair ? { repaired: repaired.map((r) => `data/${r}`) } : {}),
        },
        null,
        2,
      ) + '\n',
    );
    return code;
  }
  for (const r of repaired) cli.out(`repaired data/${r}: written back from the audit ledger\n`);
  for (const p of v.problems) {
    const path = p.path !== undefined ? `data/catalog/${p.path}` : p.file;
    const file = p.seq !== null && path !== undefined && !p.problem.includes(path) ? ` (${path})` : '';
    // A problem without an entry that names its file first is printed as it is.
    if (p.seq === null && (path === undefined ? p.problem.startsWith('the ledger') : p.problem.startsWith(`${path} `) || p.problem.startsWith(`${path}:`))) {
      cli.out(`${p.problem}\n`);
      continue;
    }
    const where = p.seq !== null ? `seq ${p.seq}` : (path ?? 'ledger');
    cli.out(`${where}: ${p.problem}${file}\n`);
  }
  for (const n of v.notices) cli.out(`notice: ${n.notice}\n`);
  const scope = target ? `${v.checked} of ${v.entries} ledger entries (${targetText})` : `${v.entries} ledger entr${v.entries === 1 ? 'y' : 'ies'}`;
  if (ok) {
    cli.out(`receipts verified: ${scope}; chain, signatures (pinned keys), receipt schemas, store digests, receipt files, data tree and registry intact${v.head ? `; head ${v.head}` : ''}\n`);
  } else {
    cli.out(`receipts verify failed: ${v.problems.length} problem${v.problems.length === 1 ? '' : 's'} in ${scope}\n`);
    if (code === EXIT_REPAIRABLE) cli.out('every problem is a receipt file the ledger holds: run kfm receipts verify --repair\n');
  }
  return code;
}
