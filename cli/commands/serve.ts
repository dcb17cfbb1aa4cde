import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { KfmError } from '../../core/error.js';
import { loadGraph } from '../../engine/load/project.js';
import { locateProject } from '../../engine/load/locateProject.js';
import type { ProjectPaths } from '../../engine/load/projectPaths.js';
import { projectionSettings } from '../../stages/projections/projectionTargets.js';
import { FileContentStore } from '../../store/contentStore.js';
import type { CliContext } from '../cliContext.js';
import { serveApp } from '../serve/serveApp.js';

const USAGE = 'usage: kfm serve [--port <n>] [--host <address>] [--json]';

/**
 * `kfm serve [--port N] [--host 127.0.0.1]`: the read-only lineage API and the page, until
 * SIGINT or SIGTERM. Reads the registry, the ledger and the state (SQLite, read-only, WAL),
 * never takes the project lock. Prints the URL it listens on (`--json`: one JSON line);
 * one JSON line per error answered to stderr. `--port 0` picks a free port.
 */
export async function serveCommand(cli: CliContext): Promise<number> {
  if (cli.positionals.length > 0) throw new KfmError('usage', USAGE);
  const port = parsePort(cli.port);
  const host = cli.host ?? '127.0.0.1';
  const paths = locateProject(cli.project);
  const serverId = randomBytes(4).toString('hex');
  const token = process.env['KFM_SERVE_TOKEN'];
  let store: FileContentStore | undefined;
  const openStore = () => (store ??= existsSync(paths.storeDir) ? new FileContentStore(paths.storeDir) : undefined);
  const { tilesDir, sqlitePath } = await servedProjections(cli, paths);
  const app = await serveApp(
    { paths, project: cli.project, store: openStore, tilesDir, sqlitePath, token: token === '' ? undefined : token, serverId },
    (entry) => cli.err(JSON.stringify({ kfm_serve_error: entry }) + '\n'),
  );
  let address: string;
  try {
    address = await app.listen({ port, host });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new KfmError('usage', `port ${port} on ${host} is in use: pick another with --port (0 picks a free one)`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new KfmError('usage', `--host ${host}: no such local address`);
    throw e;
  }
  const url = address;
  if (cli.reporter === 'json') cli.out(JSON.stringify({ kfm_serve_version: 'v1', url, operator_token: token ? 'set' : 'unset' }) + '\n');
  else cli.out(`kfm serve: listening on ${url} (read-only; Ctrl-C stops it)${token ? '; operator token set' : '; no operator token: restricted datasets hidden'}\n`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await app.close();
  return 0;
}

/**
 * Where the projections are: the kfmfile's `projections.sqlite.path` and `.tiles.dir` (as
 * `kfm rebuild` and `kfm:project` write them), else the defaults. A kfmfile that does not
 * load does not stop the server (it reads the registry, the ledger and the state): it
 * serves the default locations and says why, once, on stderr.
 */
async function servedProjections(cli: CliContext, paths: ProjectPaths): Promise<{ tilesDir: string; sqlitePath: string }> {
  try {
    const graph = await loadGraph(cli.project);
    return projectionSettings(paths, graph.projections);
  } catch (e) {
    if (!(e instanceof KfmError)) throw e;
    const message = `the kfmfile does not load (${e.message}): serving projections from their default places (projections/kfm.sqlite, projections/tiles/)`;
    cli.err(cli.reporter === 'json' ? JSON.stringify({ kfm_serve_warning: message }) + '\n' : `kfm serve: warning: ${message}\n`);
    return projectionSettings(paths, undefined);
  }
}

function parsePort(text: string | undefined): number {
  if (text === undefined) return 8787;
  const n = Number(text);
  if (!/^[0-9]+$/.test(text) || n > 65535) throw new KfmError('usage', `--port needs a port number 0-65535 (got "${text}")`);
  return n;
}
