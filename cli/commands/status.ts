import { KfmError } from '../../core/error.js';
import { describeFailedChecks } from '../../core/failedCheck.js';
import { datasetStatuses, STATUS_REPORT_VERSION } from '../../engine/versions/datasetStatus.js';
import { locateProject } from '../../engine/load/locateProject.js';
import { parseVersionTarget } from '../../engine/graph/versionTarget.js';
import type { CliContext } from '../cliContext.js';
import { requireRegistered } from './requireRegistered.js';
import { table } from './table.js';

/**
 * `kfm status [target] [--json]`: each registered dataset's versions, their mode, status
 * (candidate until `kfm promote` publishes one; quarantined, with the QA checks it failed,
 * when its QA failed) and receipts; `*` marks the latest.
 */
export async function statusCommand(cli: CliContext): Promise<number> {
  if (cli.positionals.length > 1) throw new KfmError('usage', 'usage: kfm status [<dataset>[@<slice>|@<dataset_version_id>]] [--json]');
  const target = cli.positionals[0] === undefined ? undefined : parseVersionTarget(cli.positionals[0]);
  const paths = locateProject(cli.project);
  if (target) requireRegistered(paths.root, target);
  const datasets = await datasetStatuses(paths, target);
  if (cli.reporter === 'json') {
    cli.out(JSON.stringify({ kfm_status_version: STATUS_REPORT_VERSION, datasets }, null, 2) + '\n');
    return 0;
  }
  if (datasets.length === 0) cli.out('no registered datasets (registry/ is empty)\n');
  datasets.forEach((d, i) => {
    if (i > 0) cli.out('\n');
    const candidates = d.versions.filter((v) => v.status === 'candidate').length;
    const quarantined = d.versions.filter((v) => v.status === 'quarantined');
    const latest = d.latest_version_id ?? 'none (nothing promoted)';
    const held = quarantined.length > 0 ? `; ${quarantined.length} quarantined` : '';
    cli.out(`${d.dataset_slug}: ${d.title} (${d.policy_label}; spec ${d.spec_hash.slice(0, 19)}; latest ${latest}; ${candidates} candidate${candidates === 1 ? '' : 's'}${held})\n`);
    const rows = d.versions.map((v) => [`${v.latest ? '*' : ' '} ${v.dataset_version_id}`, v.mode, v.status, String(v.receipts), v.created_at]);
    if (rows.length === 0) cli.out('  no versions\n');
    else cli.out(table(['  version', 'mode', 'status', 'receipts', 'created_at'], rows).replace(/^(?=.)/gm, '  '));
    for (const v of quarantined) cli.out(`  quarantined ${v.dataset_version_id}: ${describeFailedChecks(v.failed_checks ?? [])}\n`);
  });
  return 0;
}
