import { mkdirSync } from 'node:fs';
import { KfmError } from '../../core/error.js';
import { CHECK_REPORT_VERSION, checkRegistry, type DatasetCheck } from '../../engine/versions/checkRegistry.js';
import { analyze } from '../../engine/graph/analyze.js';
import { loadKfmfile } from '../../engine/load/loadKfmfile.js';
import { locateProject } from '../../engine/load/locateProject.js';
import { describeSpecChange } from '../../engine/versions/specChanges.js';
import type { FileProjectLock } from '../../store/projectLock.js';
import type { CliContext } from '../cliContext.js';

const shortHash = (d: string | null) => (d === null ? 'none' : d.slice(0, 7 + 12));

/**
 * `kfm check [--update] [--json]`: spec_hash drift against the registry, for CI. Exit 0 when
 * every dataset is registered with its current spec_hash (or `--update` recorded it), 1 on
 * drift. Reads the kfmfile and task code only: no data, no store, no network.
 */
export async function checkCommand(cli: CliContext): Promise<number> {
  if (cli.positionals.length > 0) throw new KfmError('usage', 'usage: kfm check [--update] [--json]');
  // Only the kfmfile and the graph: none of the state, store or scheduler modules load.
  const { kfmfile, kfmDir } = locateProject(cli.project);
  const graph = analyze(await loadKfmfile(kfmfile), kfmfile);
  const update = cli.update === true;
  let lock: FileProjectLock | undefined;
  if (update) {
    // Builds write the registry too: one writer at a time.
    mkdirSync(kfmDir, { recursive: true });
    const { FileProjectLock } = await import('../../store/projectLock.js');
    lock = new FileProjectLock(kfmDir);
    await lock.acquire('kfm check --update', (holder) => cli.err(`kfm: waiting for the project lock held by ${holder}\n`));
  }
  let datasets: DatasetCheck[];
  try {
    datasets = await checkRegistry(graph, { update });
  } finally {
    lock?.close();
  }
  const drifted = datasets.filter((d) => d.status !== 'clean');
  const status = drifted.length === 0 ? 'clean' : update ? 'updated' : 'drift';
  if (cli.reporter === 'json') {
    cli.out(JSON.stringify({ kfm_check_version: CHECK_REPORT_VERSION, status, datasets }, null, 2) + '\n');
  } else {
    for (const d of datasets) cli.out(describe(d));
    const count = (s: DatasetCheck['status']) => datasets.filter((d) => d.status === s).length;
    const clean = `${count('clean')} clean`;
    if (status === 'clean') cli.out(`check: ${clean} (${datasets.length} dataset${datasets.length === 1 ? '' : 's'})\n`);
    else if (status === 'updated') cli.out(`check: ${drifted.length} recorded in registry/, ${clean}\n`);
    else cli.out(`check: ${count('drifted')} drifted, ${count('not_registered')} not registered, ${clean}; \`kfm check --update\` records the current specs\n`);
  }
  return status === 'drift' ? 1 : 0;
}

function describe(d: DatasetCheck): string {
  const head =
    d.status === 'clean'
      ? `clean          ${d.dataset_slug}`
      : d.status === 'drifted'
        ? `${d.updated ? 'updated       ' : 'drifted       '} ${d.dataset_slug} (${d.registry}: ${shortHash(d.registered_spec_hash)} → ${shortHash(d.spec_hash)})`
        : `${d.updated ? 'registered    ' : 'not registered'} ${d.dataset_slug} (${d.updated ? d.registry : `no ${d.registry}`})`;
  return [head, ...d.changes.map((c) => `  ${describeSpecChange(c)}`)].map((l) => `${l}\n`).join('');
}
