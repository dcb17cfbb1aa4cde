import { KfmError } from '../../core/error.js';
import { checkWritePaths } from '../../engine/load/checkWritePaths.js';
import { projectPaths } from '../../engine/load/projectPaths.js';
import { DEFAULT_CATALOG_BASE_URL } from '../../stages/catalog/catalogLayout.js';
import { runCatalog } from '../../stages/catalog/runCatalog.js';
import type { CliContext } from '../cliContext.js';

const USAGE = 'usage: kfm catalog <dataset>@<dataset_version_id> [--actor <principal>] [--role <role>] [--json]';

/**
 * `kfm catalog <slug>@<dvid>`: regenerates a version's catalogs (runbook procedure B),
 * validates them and signs a `catalog` receipt; prints the files, the receipt and each
 * problem. Exit 0 when valid, 1 when validation fails, 2 for an unknown dataset or version.
 * Loads the kfmfile for its `catalog.baseUrl` and `dataTree.link`.
 */
export async function catalogCommand(cli: CliContext): Promise<number> {
  const [target, ...extra] = cli.positionals;
  if (target === undefined || extra.length > 0) throw new KfmError('usage', USAGE);
  const { loadGraph } = await import('../../engine/load/project.js');
  const graph = await loadGraph(cli.project);
  const paths = projectPaths(graph.kfmfile);
  checkWritePaths(paths.root);
  const report = await runCatalog(paths, target, {
    baseUrl: graph.catalogBaseUrl ?? DEFAULT_CATALOG_BASE_URL,
    dataTreeLink: graph.dataTreeLink,
    actor: { ...(cli.actor !== undefined ? { principal: cli.actor } : {}), ...(cli.role !== undefined ? { role: cli.role } : {}) },
    onLockWait: (holder) => cli.err(`kfm: waiting for the project lock held by ${holder}\n`),
    onNotice: (message) => cli.err(`kfm: ${message}\n`),
  });
  const v = `${report.dataset_slug}@${report.dataset_version_id}`;
  if (cli.reporter === 'json') cli.out(`${JSON.stringify(report, null, 2)}\n`);
  else {
    for (const f of report.files) cli.out(`wrote    ${f.path} (${f.digest})\n`);
    cli.out(`receipt  ${v}: catalog receipt signed, ledger seq ${report.receipt.seq} (${report.receipt.path})\n`);
    for (const p of report.problems) cli.out(`problem  ${p.check}: data/${p.file}: ${p.message}\n`);
    const n = report.problems.length;
    cli.out(n === 0 ? `catalog ${v}: valid (schemas, SHACL, links, digests)\n` : `catalog ${v}: INVALID, ${n} problem${n === 1 ? '' : 's'}\n`);
  }
  return report.status === 'valid' ? 0 : 1;
}
