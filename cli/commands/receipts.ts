import { KfmError } from '../../core/error.js';
import { locateProject } from '../../engine/load/locateProject.js';
import { RECEIPTS_VERIFY_REPORT_VERSION, verifyReceipts } from '../../engine/receipts/verifyReceipts.js';
import { parseVersionTarget } from '../../engine/graph/versionTarget.js';
import type { CliContext } from '../cliContext.js';
import { requireRegistered } from './requireRegistered.js';

const USAGE = 'usage: kfm receipts verify [<dataset>[@<slice>|@<dataset_version_id>]] [--json]';

/**
 * `kfm receipts verify [target]`: prints each problem with its ledger entry (`seq N: …`) or
 * receipt file and exits 1 on any; a one-line summary and exit 0 when everything verifies.
 */
export async function receiptsCommand(cli: CliContext): Promise<number> {
  const [sub, targetText, ...extra] = cli.positionals;
  if (sub !== 'verify' || extra.length > 0) throw new KfmError('usage', USAGE);
  const target = targetText === undefined ? undefined : parseVersionTarget(targetText);
  const paths = locateProject(cli.project);
  if (target) requireRegistered(paths.root, target);
  const v = await verifyReceipts(paths, target);
  const ok = v.problems.length === 0;
  if (cli.reporter === 'json') {
    cli.out(
      JSON.stringify(
        {
          kfm_receipts_verify_version: RECEIPTS_VERIFY_REPORT_VERSION,
          status: ok ? 'verified' : 'failed',
          target: targetText ?? null,
          entries: v.entries,
          checked: v.checked,
          head: v.head,
          problems: v.problems.map((p) => ({ seq: p.seq, reason: p.reason, problem: p.problem, ...(p.path !== undefined ? { path: `data/catalog/${p.path}` } : {}) })),
        },
        null,
        2,
      ) + '\n',
    );
    return ok ? 0 : 1;
  }
  for (const p of v.problems) {
    const where = p.seq !== null ? `seq ${p.seq}` : `data/catalog/${p.path ?? '?'}`;
    const file = p.seq !== null && p.path !== undefined ? ` (data/catalog/${p.path})` : '';
    cli.out(`${where}: ${p.problem}${file}\n`);
  }
  const scope = target ? `${v.checked} of ${v.entries} ledger entries (${targetText})` : `${v.entries} ledger entr${v.entries === 1 ? 'y' : 'ies'}`;
  if (ok) {
    cli.out(`receipts verified: ${scope}; chain, signatures, receipt schemas, store digests and receipt files intact${v.head ? `; head ${v.head}` : ''}\n`);
  } else {
    cli.out(`receipts verify failed: ${v.problems.length} problem${v.problems.length === 1 ? '' : 's'} in ${scope}\n`);
  }
  return ok ? 0 : 1;
}
