import type { BuildSummary } from '../../engine/build.js';
import { Project, loadGraph } from '../../engine/project.js';
import { runBuild } from '../../engine/runBuild.js';
import type { CliContext } from '../cliContext.js';
import { chooseReporter } from '../reporters/chooseReporter.js';

export async function buildCommand(cli: CliContext): Promise<number> {
  const graph = await loadGraph(cli.project);
  const reporter = await chooseReporter(cli);
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
      ...(cli.jobs !== undefined ? { jobs: cli.jobs } : {}),
      keepGoing: cli.keepGoing,
      signal: controller.signal,
      onEvent: (e) => reporter.event(e),
    });
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
    await reporter.finish(summary);
    project.close();
  }
  return summary.status === 'succeeded' ? 0 : summary.status === 'interrupted' ? 130 : 1;
}
