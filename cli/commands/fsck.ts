import { KfmError } from '../../core/error.js';
import { locateProject } from '../../engine/load/locateProject.js';
import type { FsckProgress } from '../../engine/fsck/fsckStore.js';
import { FSCK_REPORT_VERSION, runFsck } from '../../engine/fsck/runFsck.js';
import type { CliContext } from '../cliContext.js';

const USAGE = 'usage: kfm fsck [--repair] [--json]';

const PHASE: Record<FsckProgress['phase'], string> = { objects: 'store objects', results: 'node results', data: 'data files' };

/**
 * `kfm fsck [--repair]`: one line per problem (with what fixes it), then a summary. Exit 0
 * when clean (after `--repair`: when everything found was repaired), 1 otherwise. Progress
 * goes to stderr on a terminal.
 */
export async function fsckCommand(cli: CliContext): Promise<number> {
  if (cli.positionals.length > 0) throw new KfmError('usage', `kfm fsck takes no targets (${USAGE})`);
  const paths = locateProject(cli.project);
  const repair = cli.repair ?? false;
  const showProgress = cli.reporter !== 'json' && process.stderr.isTTY === true;
  const result = await runFsck(paths, {
    repair,
    onProgress: (p) => {
      if (showProgress) cli.err(`\rfsck: ${PHASE[p.phase]} ${p.done}/${p.total}${p.done === p.total ? '\n' : ''}`);
    },
    onLockWait: (holder) => cli.err(`kfm: waiting for the project lock held by ${holder}\n`),
  });
  const open = result.problems.filter((p) => !p.repaired);
  const ok = open.length === 0;
  const status = result.problems.length === 0 ? 'clean' : ok ? 'repaired' : 'problems';
  if (cli.reporter === 'json') {
    cli.out(
      JSON.stringify(
        {
          kfm_fsck_report_version: FSCK_REPORT_VERSION,
          status,
          repair,
          checked: { objects: result.checked.objects, outputs: result.checked.outputs, data_files: result.checked.dataFiles },
          problems: result.problems,
        },
        null,
        2,
      ) + '\n',
    );
    return ok ? 0 : 1;
  }
  for (const p of result.problems) cli.out(`${p.repaired ? 'repaired' : 'problem '} ${p.message}${p.remedy ? `: ${p.remedy}` : ''}\n`);
  const c = result.checked;
  const scope = `${c.objects} store object${c.objects === 1 ? '' : 's'}, ${c.outputs} node output${c.outputs === 1 ? '' : 's'}, ${c.dataFiles} data file${c.dataFiles === 1 ? '' : 's'}`;
  if (status === 'clean') cli.out(`fsck clean: ${scope}\n`);
  else if (status === 'repaired') cli.out(`fsck repaired ${result.problems.length} problem${result.problems.length === 1 ? '' : 's'} in ${scope}\n`);
  else cli.out(`fsck found ${open.length} problem${open.length === 1 ? '' : 's'}${repair ? ' it could not repair' : ''} in ${scope}\n`);
  return ok ? 0 : 1;
}
