import { KfmError } from '../../core/error.js';
import { ledgerLog, LOG_REPORT_VERSION } from '../../engine/receipts/ledgerLog.js';
import { filterLog, parseLimit, parseSince } from '../../engine/receipts/logFilter.js';
import { locateProject } from '../../engine/load/locateProject.js';
import { parseVersionTarget } from '../../engine/graph/versionTarget.js';
import type { CliContext } from '../cliContext.js';
import { requireRegistered } from './requireRegistered.js';
import { table } from './table.js';

const USAGE = 'usage: kfm log [<dataset>[@<slice>|@<dataset_version_id>] | --dataset <slug>] [-n|--limit <n>] [--since <date|span>] [--json]';

/**
 * `kfm log [target] [--dataset <slug>] [--limit N] [--since <when>] [--json]`: the audit
 * ledger's entries, oldest first; `--limit` keeps the most recent N, `--since` those created
 * at or after a date, a date-time or a span back from now (`7d`).
 */
export async function logCommand(cli: CliContext): Promise<number> {
  if (cli.positionals.length > 1) throw new KfmError('usage', USAGE);
  if (cli.dataset !== undefined && cli.positionals.length > 0) throw new KfmError('usage', `give the dataset once: as a target or with --dataset (${USAGE})`);
  const targetText = cli.positionals[0] ?? cli.dataset;
  if (cli.dataset !== undefined && cli.dataset.includes('@')) throw new KfmError('usage', `--dataset takes a dataset slug, not a version ("${cli.dataset}"): kfm log ${cli.dataset}`);
  const target = targetText === undefined ? undefined : parseVersionTarget(targetText);
  const filter = {
    ...(cli.since !== undefined ? { since: parseSince(cli.since, new Date()) } : {}),
    ...(cli.limit !== undefined ? { limit: parseLimit(cli.limit) } : {}),
  };
  const paths = locateProject(cli.project);
  if (target) requireRegistered(paths.root, target);
  const entries = filterLog(await ledgerLog(paths, target), filter);
  if (cli.reporter === 'json') {
    cli.out(JSON.stringify({ kfm_log_version: LOG_REPORT_VERSION, entries }, null, 2) + '\n');
    return 0;
  }
  if (entries.length === 0) {
    const filtered = filter.since !== undefined ? ` since ${filter.since.toISOString()}` : '';
    cli.out('the audit ledger has no entries' + (target ? ` for ${targetText}` : '') + filtered + '\n');
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
