import { KfmError } from '../../core/error.js';
import { locateProject } from '../../engine/load/locateProject.js';
import { promoteVersion, type PromoteReport } from '../../stages/promotion/promoteVersion.js';
import type { GateResult } from '../../stages/promotion/gate.js';
import type { CliContext } from '../cliContext.js';
import { checkWritePaths } from '../../engine/load/checkWritePaths.js';
import { table } from './table.js';

const USAGE = 'usage: kfm promote <dataset>@<dataset_version_id> [--dry-run] [--override --rationale "<why>" --role <role>] [--actor <principal>] [--role <role>] [--json]';

/**
 * `kfm promote <slug>@<dvid>`: runs gates A–G (fail closed) and prints a table of gate →
 * answer → reason. Exit 0 when promoted, already the latest, or a dry run that passed;
 * 1 when a gate did not pass (a denied-promotion receipt is signed, nothing moves); 2 for
 * an unknown dataset or version, or an override without --rationale or the override role.
 */
export async function promoteCommand(cli: CliContext): Promise<number> {
  const [target, ...extra] = cli.positionals;
  if (target === undefined || extra.length > 0) throw new KfmError('usage', USAGE);
  if (cli.override && cli.rationale === undefined) throw new KfmError('usage', 'kfm promote --override needs --rationale "<why the QA failure is acceptable>" (and --role of the policy\'s override role, e.g. --role steward)');
  const paths = locateProject(cli.project);
  if (!cli.dryRun) checkWritePaths(paths.root);
  // An override may catalogue a quarantined version first: it needs the kfmfile's catalog settings.
  const graph = cli.override && !cli.dryRun ? await (await import('../../engine/load/project.js')).loadGraph(cli.project) : undefined;
  const report = await promoteVersion(paths, target, {
    ...(graph ? { catalog: { baseUrl: graph.catalogBaseUrl, dataTreeLink: graph.dataTreeLink } } : {}),
    actor: { ...(cli.actor !== undefined ? { principal: cli.actor } : {}), ...(cli.role !== undefined ? { role: cli.role } : {}) },
    ...(cli.dryRun ? { dryRun: true } : {}),
    ...(cli.override ? { override: { rationale: cli.rationale ?? '' } } : {}),
    onLockWait: (holder) => cli.err(`kfm: waiting for the project lock held by ${holder}\n`),
  });
  if (cli.reporter === 'json') cli.out(JSON.stringify(report, null, 2) + '\n');
  else cli.out(promoteText(report));
  return report.status === 'denied' || (report.status === 'checked' && report.overall !== 'PASS') ? 1 : 0;
}

/** The plain report: the gate table, then what happened. */
export function promoteText(r: PromoteReport): string {
  const v = `${r.dataset_slug}@${r.dataset_version_id}`;
  if (r.status === 'unchanged') return `${v} is already the latest version (${r.registry}): nothing to do\n`;
  let out = `gates for ${v} (${r.previous_status}):\n${gateTable(r.gates).replace(/^(?=.)/gm, '  ')}`;
  const blocking = r.gates.filter((g) => g.answer !== 'PASS').map((g) => `${g.gate} ${g.answer}`).join(', ');
  if (r.status === 'checked') {
    out += r.overall === 'PASS' ? `dry run: every gate passes; kfm promote ${v} would publish it (nothing written)\n` : `dry run: promotion would be denied (${blocking}); nothing written\n`;
  } else if (r.status === 'denied') {
    out += `denied ${v} (${blocking}): latest_version_id stays ${r.latest_version_id ?? 'none'} in ${r.registry}\n`;
    out += `receipt  ${v}: denied-promotion receipt signed, ledger seq ${r.receipt!.seq} (${r.receipt!.path})\n`;
  } else {
    out += `promoted ${v} (${r.previous_status} → published): latest_version_id ${r.previous_latest_version_id ?? 'none'} → ${r.dataset_version_id} in ${r.registry}\n`;
    out += `manifest ${r.manifest!.path} (${r.manifest!.digest.slice(0, 19)}…)\n`;
    out += `receipt  ${v}: signed, ledger seq ${r.receipt!.seq} (${r.receipt!.path})\n`;
  }
  return out;
}

/** gate → answer → reason, one row per reason (a gate's further reasons on rows of their own). */
export function gateTable(gates: GateResult[]): string {
  const rows = gates.flatMap((g) => g.reasons.map((reason, i) => (i === 0 ? [g.gate, g.name, g.answer, reason] : ['', '', '', reason])));
  return table(['gate', 'name', 'answer', 'reason'], rows);
}
