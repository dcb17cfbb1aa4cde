import { KfmError } from '../../core/error.js';
import { locateProject } from '../../engine/load/locateProject.js';
import { promoteVersion } from '../../stages/promotion/promoteVersion.js';
import { PROMOTE_PLACEHOLDER_NOTICE } from '../../stages/promotion/promoteReceipt.js';
import type { CliContext } from '../cliContext.js';
import { checkWritePaths } from '../../engine/load/checkWritePaths.js';

const USAGE = 'usage: kfm promote <dataset>@<dataset_version_id> [--actor <principal>] [--role <role>] [--json]';

/**
 * `kfm promote <slug>@<dvid>`: makes a built version the registry's latest_version_id. A
 * placeholder that runs no gates, and says so on every run (on stderr with --json, so
 * stdout stays one JSON document). Exit 0 when promoted or already the latest; 2 for an
 * unknown dataset or version, or one that cannot be promoted.
 */
export async function promoteCommand(cli: CliContext): Promise<number> {
  const [target, ...extra] = cli.positionals;
  if (target === undefined || extra.length > 0) throw new KfmError('usage', USAGE);
  const json = cli.reporter === 'json';
  (json ? cli.err : cli.out)(`${PROMOTE_PLACEHOLDER_NOTICE}\n`);
  const paths = locateProject(cli.project);
  checkWritePaths(paths.root);
  const report = await promoteVersion(paths, target, {
    actor: { ...(cli.actor !== undefined ? { principal: cli.actor } : {}), ...(cli.role !== undefined ? { role: cli.role } : {}) },
    onLockWait: (holder) => cli.err(`kfm: waiting for the project lock held by ${holder}\n`),
  });
  const v = `${report.dataset_slug}@${report.dataset_version_id}`;
  if (json) cli.out(JSON.stringify(report, null, 2) + '\n');
  else if (report.status === 'unchanged') cli.out(`${v} is already the latest version (${report.registry}): nothing to do\n`);
  else {
    cli.out(`promoted ${v} (${report.previous_status} → published): latest_version_id ${report.previous_latest_version_id ?? 'none'} → ${report.dataset_version_id} in ${report.registry}\n`);
    cli.out(`receipt  ${v}: signed, ledger seq ${report.receipt!.seq} (${report.receipt!.path})\n`);
  }
  return 0;
}
