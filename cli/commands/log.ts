import { KfmError } from '../../core/error.js';
import { ledgerLog, LOG_REPORT_VERSION } from '../../engine/receipts/ledgerLog.js';
import { locateProject } from '../../engine/load/locateProject.js';
import { parseVersionTarget } from '../../engine/graph/versionTarget.js';
import type { CliContext } from '../cliContext.js';
import { requireRegistered } from './requireRegistered.js';
import { table } from './table.js';

/** `kfm log [target] [--json]`: the audit ledger's entries, oldest first. */
export async function logCommand(cli: CliContext): Promise<number> {
  if (cli.positionals.length > 1) throw new KfmError('usage', 'usage: kfm log [<dataset>[@<slice>|@<dataset_version_id>]] [--json]');
  const target = cli.positionals[0] === undefined ? undefined : parseVersionTarget(cli.positionals[0]);
  const paths = locateProject(cli.project);
  if (target) requireRegistered(paths.root, target);
  const entries = await ledgerLog(paths, target);
  if (cli.reporter === 'json') {
    cli.out(JSON.stringify({ kfm_log_version: LOG_REPORT_VERSION, entries }, null, 2) + '\n');
    return 0;
  }
  if (entries.length === 0) {
    cli.out('the audit ledger has no entries' + (target ? ` for ${cli.positionals[0]}` : '') + '\n');
    return 0;
  }
  const dash = (v: string | null) => v ?? '-';
  cli.out(
    table(
      ['seq', 'created_at', 'operation', 'mode', 'version', 'node', 'run_id'],
      entries.map((e) => [
        String(e.seq),
        e.created_at,
        dash(e.operation),
        dash(e.mode),
        e.dataset_slug === null ? '-' : `${e.dataset_slug}@${dash(e.dataset_version_id)}`,
        dash(e.node),
        dash(e.run_id),
      ]),
    ),
  );
  return 0;
}
