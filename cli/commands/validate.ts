import { KfmError } from '../../core/error.js';
import { locateProject } from '../../engine/load/locateProject.js';
import { validateVersion } from '../../stages/promotion/validateVersion.js';
import type { CliContext } from '../cliContext.js';
import { table } from './table.js';

const USAGE = 'usage: kfm validate <dataset>@<dataset_version_id> [--json]';

/**
 * `kfm validate <slug>@<dvid>`: the post-run validation checklist, each item PASS or FAIL
 * with its reasons. Exit 0 when every item passes, 1 otherwise, 2 for an unknown version.
 */
export async function validateCommand(cli: CliContext): Promise<number> {
  const [target, ...extra] = cli.positionals;
  if (target === undefined || extra.length > 0) throw new KfmError('usage', USAGE);
  const report = await validateVersion(locateProject(cli.project), target);
  if (cli.reporter === 'json') cli.out(JSON.stringify(report, null, 2) + '\n');
  else {
    const rows = report.items.flatMap((i) => i.reasons.map((r, n) => (n === 0 ? [i.name, i.status, r] : ['', '', r])));
    cli.out(`validate ${report.dataset_slug}@${report.dataset_version_id} (${report.version_status}):\n`);
    cli.out(table(['check', 'result', 'reason'], rows).replace(/^(?=.)/gm, '  '));
    const failed = report.items.filter((i) => i.status === 'FAIL').length;
    cli.out(failed === 0 ? `all ${report.items.length} checks PASS\n` : `${failed} of ${report.items.length} checks FAIL\n`);
  }
  return report.status === 'pass' ? 0 : 1;
}
