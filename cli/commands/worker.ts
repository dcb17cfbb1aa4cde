import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { KfmError } from '../../core/error.js';
import { findKfmfile } from '../../engine/load/findKfmfile.js';
import { seamConfig } from '../../engine/load/seamConfig.js';
import { shownUrl } from '../../store/postgres/pgDatabase.js';
import type { WorkerEvent } from '../../engine/queue/serveTaskQueue.js';
import type { CliContext } from '../cliContext.js';

const USAGE = 'usage: kfm worker [-j <n>]';

/**
 * `kfm worker [-j <n>]`: serves `kfm build --executor queue` from the PostgreSQL queue of
 * KFM_STATE until Ctrl-C (or SIGTERM), one line per job on stdout. Runs in a checkout of
 * the project (its task code): a job's module path is moved from the coordinator's project
 * root to this one; its input files are fetched from the store into .kfm/worker-inputs/.
 */
export async function workerCommand(cli: CliContext): Promise<number> {
  if (cli.positionals.length > 0) throw new KfmError('usage', `kfm worker takes no targets (${USAGE})`);
  const { state } = seamConfig();
  if (state.kind !== 'postgres') throw new KfmError('usage', 'kfm worker needs KFM_STATE=postgres://user@host:port/database: the queue the coordinator (kfm build --executor queue) fills');
  const kfmfile = cli.project.file !== undefined ? resolve(cli.project.cwd, cli.project.file) : findKfmfile(cli.project.cwd);
  const root = kfmfile ? dirname(kfmfile) : resolve(cli.project.cwd);
  const threads = cli.jobs ?? availableParallelism();
  const { serveTaskQueue } = await import('../../engine/queue/serveTaskQueue.js');
  const controller = new AbortController();
  const stop = () => {
    if (controller.signal.aborted) process.exit(130);
    cli.err('kfm worker: stopping; jobs in hand go back to the queue (Ctrl-C again to quit at once)\n');
    controller.abort();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    await serveTaskQueue({ url: state.url, threads, root, inputCache: join(root, '.kfm', 'worker-inputs'), signal: controller.signal, onEvent: (e) => cli.out(workerLine(e, state.url)) });
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  return 0;
}

function workerLine(e: WorkerEvent, url: string): string {
  switch (e.type) {
    case 'worker-ready':
      return `worker ${e.worker} serving ${shownUrl(url)} with ${e.threads} thread${e.threads === 1 ? '' : 's'}\n`;
    case 'job-start':
      return `started ${e.nodeId} (job ${e.jobId})\n`;
    case 'job-log':
      return `${e.level.padEnd(5)} ${e.nodeId}: ${e.message}\n`;
    case 'job-done':
      return e.ok ? `done    ${e.nodeId} (job ${e.jobId})\n` : `failed  ${e.nodeId} (job ${e.jobId}): ${e.error ?? ''}\n`;
    case 'job-foreign':
      return `refused ${e.nodeId}: ${e.why}\n`;
  }
}
