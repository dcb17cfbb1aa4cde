import { KfmError } from '../../core/error.js';
import { checkWritePaths } from '../../engine/load/checkWritePaths.js';
import { projectPaths } from '../../engine/load/projectPaths.js';
import { rollbackVersion, type RollbackReport } from '../../stages/rollback/rollbackVersion.js';
import type { CliContext } from '../cliContext.js';

const USAGE = 'usage: kfm rollback <dataset> --to <dataset_version_id> --reason "<why>" [--actor <principal>] [--role <role>] [--json]';

/**
 * `kfm rollback <slug> --to <dvid> --reason "…"` (runbook procedure E): supersedes the
 * dataset's latest version and makes an earlier published one latest again, in every
 * projection, with a signed decision. Exit 0 when rolled back; 1 when refused (the version
 * was never promoted, is quarantined or superseded; nothing is published); 2 for usage.
 */
export async function rollbackCommand(cli: CliContext): Promise<number> {
  const [slug, ...extra] = cli.positionals;
  if (slug === undefined || extra.length > 0 || cli.to === undefined) throw new KfmError('usage', USAGE);
  if (cli.reason === undefined) throw new KfmError('usage', 'kfm rollback needs --reason "<why the version is withdrawn>": the decision records it');
  if (slug.includes('@')) throw new KfmError('usage', `kfm rollback takes a dataset, not a version ("${slug}"): kfm rollback ${slug.split('@')[0]} --to <dataset_version_id>`);
  const { loadGraph } = await import('../../engine/load/project.js');
  const graph = await loadGraph(cli.project);
  const paths = projectPaths(graph.kfmfile);
  checkWritePaths(paths.root);
  const report = await rollbackVersion(paths, slug, {
    to: cli.to,
    reason: cli.reason,
    projections: graph.projections,
    actor: { ...(cli.actor !== undefined ? { principal: cli.actor } : {}), ...(cli.role !== undefined ? { role: cli.role } : {}) },
    onLockWait: (holder) => cli.err(`kfm: waiting for the project lock held by ${holder}\n`),
    onNotice: (message) => cli.err(`kfm: ${message}\n`),
  });
  if (cli.reporter === 'json') cli.out(`${JSON.stringify(report, null, 2)}\n`);
  else cli.out(rollbackText(report));
  return 0;
}

export function rollbackText(r: RollbackReport): string {
  let out = `rolled back ${r.dataset_slug}: ${r.from} superseded, latest_version_id ${r.from} → ${r.to} in ${r.registry}\n`;
  out += `decision ${r.decision_id}: ${r.reason}\n`;
  for (const t of r.targets) out += `swapped  ${t.target}: ${t.from ?? 'none'} → ${t.to}${t.loaded === 'loaded' ? ` (${t.to} loaded first)` : ''}\n`;
  if (r.targets.length === 0) out += 'swapped  no projection target shows the dataset\n';
  out += `receipt  ${r.dataset_slug}@${r.to}: rollback receipt signed, ledger seq ${r.receipt.seq} (${r.receipt.path})\n`;
  return out;
}
