import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { checkKfmDir } from '../../engine/load/checkKfmDir.js';
import { checkWritePaths } from '../../engine/load/checkWritePaths.js';
import type { BuildSummary } from '../../engine/run/buildSummary.js';
import { findKfmfile } from '../../engine/load/findKfmfile.js';
import { tryNoopBuild } from '../../engine/snapshot/noopBuild.js';
import { planCone } from '../../engine/snapshot/planCone.js';
import type { CliContext } from '../cliContext.js';
import { chooseReporter } from '../reporters/chooseReporter.js';
import type { Graph } from '../../engine/graph/graph.js';
import { datasetTargets, parseTarget } from '../../engine/graph/target.js';
import { readRegistry } from '../../store/registry/datasetRegistry.js';

/**
 * Reads (and validates) the registry file of every dataset the build versions before
 * anything runs: one that is not JSON or fails its schema is a located exit 2, as in kfm
 * check, not a failed build after its tasks ran.
 */
function checkRegistries(graph: Graph, targets: string[]): void {
  const parsed = targets.length === 0 ? [...graph.datasets.keys()].map((dataset) => ({ dataset, slice: undefined })) : targets.map((t) => parseTarget(t, graph));
  // A task target (ks_counties/qa) versions nothing, so its dataset's registry is not read.
  for (const t of datasetTargets(parsed)) {
    if ((t.slice ?? graph.datasets.get(t.dataset)?.defaultSlice) !== undefined) readRegistry(graph.root, t.dataset);
  }
}

export async function buildCommand(cli: CliContext): Promise<number> {
  if (cli.watch) return (await import('./watch.js')).watchCommand(cli);
  // Checked before anything runs: --executor queue needs the shared backends.
  const runner = cli.executor === 'queue' ? (await import('../../engine/queue/openQueueRunner.js')).openQueueRunner() : undefined;
  const reporter = await chooseReporter(cli);
  // The no-op fast path needs neither the kfmfile loaded nor the engine's heavier modules.
  const kfmfile = cli.project.file !== undefined ? resolve(cli.project.cwd, cli.project.file) : findKfmfile(cli.project.cwd);
  // `--force` runs nodes whatever the snapshot says: no fast path.
  if (kfmfile) {
    checkKfmDir(join(dirname(kfmfile), '.kfm'));
    checkWritePaths(dirname(kfmfile));
    const noop = cli.force ? undefined : tryNoopBuild({
      kfmfile,
      targets: cli.positionals,
      jobs: cli.jobs ?? availableParallelism(),
      onEvent: (e) => reporter.event(e),
    });
    if (noop) {
      if (cli.verifyDeterminism) {
        // Nothing ran, so nothing can be run again.
        reporter.event({ type: 'determinism-checked', executed: 0, checked: 0, nondeterministic: 0, failing: 0 });
        noop.determinism = { executed: 0, findings: [], failed: false };
      }
      await reporter.finish(noop);
      return 0;
    }
  }
  const { Project, loadGraph } = await import('../../engine/load/project.js');
  const { runBuild } = await import('../../engine/run/runBuild.js');
  const { catalogStage } = await import('../../stages/catalog/catalogStage.js');
  const { projectStage } = await import('../../stages/projections/projectStage.js');
  // Only some input files changed since the snapshot: their downstream cone, the graph from its index.
  const cone = kfmfile && !cli.force ? planCone({ kfmfile, targets: cli.positionals }) : undefined;
  const graph = cone ? cone.graph : await loadGraph(cli.project);
  checkRegistries(graph, cli.positionals);
  const project = new Project(graph);
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts === 1) {
      cli.err('kfm: interrupted; stopping running tasks (Ctrl-C again to quit at once)\n');
      controller.abort();
    } else {
      process.exit(130);
    }
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  let summary: BuildSummary | undefined;
  try {
    summary = await runBuild(project, {
      targets: cli.positionals,
      ...(runner ? { runner } : {}),
      ...(cli.jobs !== undefined ? { jobs: cli.jobs } : {}),
      keepGoing: cli.keepGoing,
      stages: [catalogStage(), projectStage()],
      signal: controller.signal,
      onEvent: (e) => reporter.event(e),
      ...(cli.expect !== undefined ? { expect: cli.expect } : {}),
      ...(cli.verifyDeterminism ? { verifyDeterminism: cli.verifyDeterminism } : {}),
      ...(cli.force ? { force: true } : {}),
      ...(cone ? { cone } : {}),
      actor: { ...(cli.actor !== undefined ? { principal: cli.actor } : {}), ...(cli.role !== undefined ? { role: cli.role } : {}) },
    });
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
    await runner?.close();
    await reporter.finish(summary);
    project.close();
  }
  if (summary.status === 'succeeded' && summary.determinism?.failed) return 1;
  return summary.status === 'succeeded' ? 0 : summary.status === 'interrupted' ? 130 : 1;
}
