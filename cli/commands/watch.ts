import { watchBuild } from '../../engine/watch/watchBuild.js';
import type { CliContext } from '../cliContext.js';
import { chooseReporter } from '../reporters/chooseReporter.js';
import type { Reporter } from '../reporters/reporter.js';
import { catalogStage } from '../../stages/catalog/catalogStage.js';
import { projectStage } from '../../stages/projections/projectStage.js';

/**
 * `kfm build --watch` (and `kfm watch`): builds, then rebuilds on every change until Ctrl-C.
 * Each cycle gets a fresh reporter: the Ink UI draws a frame per cycle, `--json` prints one
 * line per cycle (NDJSON). Ctrl-C stops: exit 130 when it interrupted a build, else 0; a
 * second Ctrl-C quits at once.
 */
export async function watchCommand(cli: CliContext): Promise<number> {
  const watching: CliContext = { ...cli, watch: true };
  let reporter: Reporter = await chooseReporter(watching);
  const controller = new AbortController();
  let building = false;
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    if (building) cli.err('kfm: interrupted; stopping running tasks (Ctrl-C again to quit at once)\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  try {
    const outcome = await watchBuild({
      project: cli.project,
      targets: cli.positionals,
      ...(cli.jobs !== undefined ? { jobs: cli.jobs } : {}),
      keepGoing: cli.keepGoing,
      build: { stages: [catalogStage(), projectStage()], actor: { ...(cli.actor !== undefined ? { principal: cli.actor } : {}), ...(cli.role !== undefined ? { role: cli.role } : {}) } },
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === 'build-start' || e.type === 'lock-waiting') building = true;
        if (e.type === 'build-end') building = false;
        reporter.event(e);
      },
      onCycleEnd: async (summary) => {
        building = false;
        await reporter.finish(summary);
        reporter = await chooseReporter(watching);
      },
    });
    return outcome.interrupted ? 130 : 0;
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
    await reporter.finish(undefined);
  }
}
