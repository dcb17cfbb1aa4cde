import { KfmError } from '../../core/error.js';
import { checkWritePaths } from '../../engine/load/checkWritePaths.js';
import { projectPaths } from '../../engine/load/projectPaths.js';
import { parseTargetNames } from '../../stages/projections/projectionTargets.js';
import { runRebuild, type RebuildReport } from '../../stages/projections/runRebuild.js';
import type { CliContext } from '../cliContext.js';
import { table } from './table.js';

const USAGE = 'usage: kfm rebuild <dataset>[@<dataset_version_id>] [--targets sqlite,search,postgis,tiles] [--check] [--force] [--actor <principal>] [--role <role>] [--json]';

/**
 * `kfm rebuild <slug>[@<dvid>]` (runbook procedure D): reloads a published version's
 * projections from its catalog, checks counts and extents against it, signs a `rebuild`
 * receipt. `--check` compares only and writes nothing. Exit 0: rebuilt, or current; 1: a
 * --check found drift, or a target still differs after its load; 2: an unknown dataset,
 * version or target, or a version that is not published.
 */
export async function rebuildCommand(cli: CliContext): Promise<number> {
  const [target, ...extra] = cli.positionals;
  if (target === undefined || extra.length > 0) throw new KfmError('usage', USAGE);
  const { loadGraph } = await import('../../engine/load/project.js');
  const graph = await loadGraph(cli.project);
  const paths = projectPaths(graph.kfmfile);
  if (!cli.check) checkWritePaths(paths.root);
  const report = await runRebuild(paths, target, {
    targets: cli.targets !== undefined ? parseTargetNames(cli.targets) : undefined,
    check: cli.check ?? false,
    force: cli.force ?? false,
    projections: graph.projections,
    actor: { ...(cli.actor !== undefined ? { principal: cli.actor } : {}), ...(cli.role !== undefined ? { role: cli.role } : {}) },
    onLockWait: (holder) => cli.err(`kfm: waiting for the project lock held by ${holder}\n`),
    onNotice: (message) => cli.err(`kfm: ${message}\n`),
  });
  if (cli.reporter === 'json') cli.out(`${JSON.stringify(report, null, 2)}\n`);
  else cli.out(rebuildText(report));
  return report.status === 'drifted' ? 1 : 0;
}

export function rebuildText(r: RebuildReport): string {
  const v = `${r.dataset_slug}@${r.dataset_version_id}`;
  if (r.status === 'current' && r.outcomes.length > 0) {
    return `current  ${v}: ${r.outcomes.map((o) => o.target).join(', ')} hold it as kfm left them (same key, same files): nothing rebuilt, no receipt (--force checks in full)\n`;
  }
  if (r.status !== 'rebuilt') {
    let out = '';
    for (const d of r.drifts) {
      out += d.status === 'current' ? `current  ${d.target}: ${v} matches its catalog\n` : d.drifts.map((x) => `drifted  ${d.target}: ${x.message}\n`).join('');
    }
    const n = r.drifts.filter((d) => d.status === 'drifted').length;
    return out + (n === 0 ? `check ${v}: every target matches the catalog (nothing written)\n` : `check ${v}: ${n} target${n === 1 ? '' : 's'} drifted: kfm rebuild ${v} reloads them\n`);
  }
  const rows = r.outcomes.map((o) => [o.target, o.status, o.feature_count === null ? '–' : String(o.feature_count), o.current_version_id ?? 'none', o.checked.length === 0 ? 'key and files as kfm left them' : o.checked.join(', ')]);
  let out = table(['target', 'status', 'features', 'current', 'checked'], rows);
  out += `receipt  ${v}: rebuild receipt signed, ledger seq ${r.receipt!.seq} (${r.receipt!.path})\n`;
  out += `rebuilt ${v}${r.latest ? '' : ' (loaded beside the latest version, not made current)'}\n`;
  return out;
}
