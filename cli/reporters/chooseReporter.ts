import { unreachable } from '../../core/error.js';
import type { CliContext, ReporterName } from '../cliContext.js';
import { JsonReporter } from './jsonReporter.js';
import { PlainReporter } from './plainReporter.js';
import type { Reporter } from './reporter.js';

/**
 * The reporter when none is named: the Ink UI only on an interactive terminal that is
 * not CI and has not asked for no colour (`NO_COLOR`, `TERM=dumb`); plain lines otherwise.
 */
export function autoReporter(isTTY: boolean, env: NodeJS.ProcessEnv): 'ink' | 'plain' {
  const ci = env['CI'] !== undefined && env['CI'] !== '' && env['CI'] !== '0' && env['CI'].toLowerCase() !== 'false';
  const noColor = env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '';
  return isTTY && !ci && !noColor && env['TERM'] !== 'dumb' ? 'ink' : 'plain';
}

/**
 * The `--reporter` named, or the automatic choice; `ink` is imported only when chosen. In
 * watch mode (one reporter per cycle) the JSON reporter prints its report on one line.
 */
export async function chooseReporter(cli: CliContext): Promise<Reporter> {
  const stdout = cli.terminal ?? process.stdout;
  const name: ReporterName = cli.reporter ?? autoReporter(cli.terminal?.isTTY === true, process.env);
  switch (name) {
    case 'json':
      return new JsonReporter(cli.out, cli.err, { oneLine: cli.watch });
    case 'plain':
      return new PlainReporter(cli.out, cli.err, { verbose: cli.verbose });
    case 'ink': {
      const { InkReporter } = await import('./inkReporter.js');
      return new InkReporter({ stdout });
    }
    default:
      return unreachable(name);
  }
}
