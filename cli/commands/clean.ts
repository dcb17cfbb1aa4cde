import { relative } from 'node:path';
import { KfmError } from '../../core/error.js';
import { locateProject } from '../../engine/load/locateProject.js';
import { CLEAN_REPORT_VERSION, runClean } from '../../engine/clean/runClean.js';
import type { CliContext } from '../cliContext.js';
import { formatBytes } from '../ui/formatQuantity.js';

/**
 * `kfm clean [--dry-run]`: empties the rebuildable caches of `.kfm/` (engine/clean/
 * rebuildableCaches.ts) and nothing else; one line per cache. Exit 0.
 */
export async function cleanCommand(cli: CliContext): Promise<number> {
  if (cli.positionals.length > 0) throw new KfmError('usage', 'kfm clean takes no targets (usage: kfm clean [--dry-run] [--json])');
  const dryRun = cli.dryRun ?? false;
  const paths = locateProject(cli.project);
  const caches = await runClean(paths, { dryRun, onLockWait: (holder) => cli.err(`kfm: waiting for the project lock held by ${holder}\n`) });
  const bytes = caches.reduce((n, c) => n + c.bytes, 0);
  if (cli.reporter === 'json') {
    const report = {
      kfm_clean_report_version: CLEAN_REPORT_VERSION,
      dry_run: dryRun,
      caches: caches.map((c) => ({ name: c.name, kind: c.kind, path: relative(paths.root, c.path), entries: c.entries, bytes: c.bytes, human: formatBytes(c.bytes), why: c.why })),
      freed: { entries: caches.reduce((n, c) => n + c.entries, 0), bytes, human: formatBytes(bytes) },
    };
    cli.out(JSON.stringify(report, null, 2) + '\n');
    return 0;
  }
  for (const c of caches) {
    const unit = c.kind === 'state-table' ? 'entr' : 'file';
    const count = `${c.entries} ${unit}${c.entries === 1 ? (unit === 'entr' ? 'y' : '') : unit === 'entr' ? 'ies' : 's'}`;
    const where = c.kind === 'state-table' ? `${relative(paths.root, c.path)} (${c.name})` : relative(paths.root, c.path);
    cli.out(`${dryRun ? 'would clean' : 'cleaned'} ${where}: ${count}${c.kind === 'directory' ? `, ${formatBytes(c.bytes)}` : ''}\n`);
  }
  cli.out(`${dryRun ? 'clean --dry-run: would free' : 'clean freed'} ${formatBytes(bytes)}; store objects, results, the ledger, the lock and keys untouched\n`);
  return 0;
}
