import { KfmError } from '../../core/error.js';
import { locateProject } from '../../engine/load/locateProject.js';
import { checkWritePaths } from '../../engine/load/checkWritePaths.js';
import { approveVersion } from '../../stages/promotion/approveVersion.js';
import type { CliContext } from '../cliContext.js';

const USAGE = 'usage: kfm approve <dataset>@<dataset_version_id> --role <role> [--actor <principal>] [--json]';

/**
 * `kfm approve <slug>@<dvid> --role <role>`: signs an approval of publishing the version into
 * the audit ledger. Exit 0 when recorded; 2 without --role, or for an unknown version.
 */
export async function approveCommand(cli: CliContext): Promise<number> {
  const [target, ...extra] = cli.positionals;
  if (target === undefined || extra.length > 0) throw new KfmError('usage', USAGE);
  if (cli.role === undefined) throw new KfmError('usage', `kfm approve needs --role <role> (e.g. --role steward): the role the approval is given in\n${USAGE}`);
  const paths = locateProject(cli.project);
  checkWritePaths(paths.root);
  const report = await approveVersion(paths, target, {
    actor: { role: cli.role, ...(cli.actor !== undefined ? { principal: cli.actor } : {}) },
    onLockWait: (holder) => cli.err(`kfm: waiting for the project lock held by ${holder}\n`),
  });
  const a = report.approval;
  if (cli.reporter === 'json') cli.out(JSON.stringify(report, null, 2) + '\n');
  else cli.out(`approved ${a.dataset_slug}@${a.dataset_version_id} for promotion: ${a.principal} (${a.role}), signed, ledger seq ${report.seq} (${a.approval_id})\n`);
  return 0;
}
