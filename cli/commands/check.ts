import { KfmError } from '../../core/error.js';
import { CHECK_REPORT_VERSION, type DatasetCheck } from '../../engine/versions/checkRegistry.js';
import { runCheck } from '../../engine/versions/runCheck.js';
import { describeSpecChange } from '../../engine/versions/specChanges.js';
import type { CliContext } from '../cliContext.js';

const shortHash = (d: string | null) => (d === null ? 'none' : d.slice(0, 7 + 12));

/**
 * `kfm check [--update] [--json]`: spec_hash drift against the registry, for CI. Exit 0 when
 * every dataset is registered with its current spec_hash (or `--update` recorded it), 1 on
 * drift. Reads the kfmfile and task code only: no data, no store, no network.
 */
export async function checkCommand(cli: CliContext): Promise<number> {
  if (cli.positionals.length > 0) throw new KfmError('usage', 'usage: kfm check [--update] [--json]');
  const update = cli.update === true;
  const datasets = await runCheck(cli.project, { update, onLockWait: (holder) => cli.err(`kfm: waiting for the project lock held by ${holder}\n`) });
  const drifted = datasets.filter((d) => d.status !== 'clean');
  const status = drifted.length === 0 ? 'clean' : update ? 'updated' : 'drift';
  if (cli.reporter === 'json') {
    cli.out(JSON.stringify({ kfm_check_version: CHECK_REPORT_VERSION, status, datasets }, null, 2) + '\n');
  } else {
    for (const d of datasets) cli.out(describe(d));
    const count = (s: DatasetCheck['status']) => datasets.filter((d) => d.status === s).length;
    const clean = `${count('clean')} clean`;
    const upgraded = datasets.filter((d) => d.upgraded_from !== undefined).length;
    const formats = upgraded > 0 ? `; ${upgraded} registry file${upgraded === 1 ? '' : 's'} rewritten as v2` : '';
    if (status === 'clean') cli.out(`check: ${clean} (${datasets.length} dataset${datasets.length === 1 ? '' : 's'})${formats}\n`);
    else if (status === 'updated') cli.out(`check: ${drifted.length} recorded in registry/, ${clean}${formats}\n`);
    else cli.out(`check: ${count('drifted')} drifted, ${count('not_registered')} not registered, ${clean}; \`kfm check --update\` records the current specs\n`);
  }
  return status === 'drift' ? 1 : 0;
}

function describe(d: DatasetCheck): string {
  const head =
    d.status === 'clean'
      ? `clean          ${d.dataset_slug}${d.upgraded_from ? ` (${d.registry} rewritten: ${d.upgraded_from} → v2)` : ''}`
      : d.status === 'drifted'
        ? `${d.updated ? 'updated       ' : 'drifted       '} ${d.dataset_slug} (${d.registry}: ${shortHash(d.registered_spec_hash)} → ${shortHash(d.spec_hash)})`
        : `${d.updated ? 'registered    ' : 'not registered'} ${d.dataset_slug} (${d.updated ? d.registry : `no ${d.registry}`})`;
  return [head, ...d.changes.map((c) => `  ${describeSpecChange(c)}`)].map((l) => `${l}\n`).join('');
}
