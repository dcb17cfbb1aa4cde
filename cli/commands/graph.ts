import { spawnSync } from 'node:child_process';
import { KfmError } from '../../core/error.js';
import { loadGraph } from '../../engine/load/project.js';
import { parseTarget } from '../../engine/graph/target.js';
import type { CliContext } from '../cliContext.js';
import { dotGraph } from '../graph/dotGraph.js';
import { graphDocument } from '../graph/graphDocument.js';
import { mermaidGraph } from '../graph/mermaidGraph.js';

export const GRAPH_FORMATS = ['dot', 'mermaid', 'json', 'svg'] as const;
export type GraphFormat = (typeof GRAPH_FORMATS)[number];

/**
 * `kfm graph [target...] [--format dot|mermaid|json|svg]`: the task graph of the targets
 * (every dataset when none is named) and what they depend on, in build order. Reads the
 * kfmfile only. `svg` runs Graphviz's `dot`; without it, a usage error says how to get it.
 */
export async function graphCommand(cli: CliContext): Promise<number> {
  const format = graphFormat(cli);
  const graph = await loadGraph(cli.project);
  const doc = graphDocument(graph, cli.positionals.map((t) => parseTarget(t, graph)), cli.positionals);
  if (format === 'json') cli.out(JSON.stringify(doc, null, 2) + '\n');
  else if (format === 'mermaid') cli.out(mermaidGraph(doc));
  else if (format === 'dot') cli.out(dotGraph(doc));
  else cli.out(svg(dotGraph(doc)));
  return 0;
}

function graphFormat(cli: CliContext): GraphFormat {
  if (cli.reporter === 'json' && cli.format !== undefined && cli.format !== 'json') {
    throw new KfmError('usage', `--json and --format ${cli.format} disagree: give one`);
  }
  const format = cli.format ?? (cli.reporter === 'json' ? 'json' : 'dot');
  if (!(GRAPH_FORMATS as readonly string[]).includes(format)) {
    throw new KfmError('usage', `--format needs one of ${GRAPH_FORMATS.join(', ')} (got "${format}")`);
  }
  return format as GraphFormat;
}

function svg(dot: string): string {
  const run = spawnSync('dot', ['-Tsvg'], { input: dot, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (run.error && (run.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new KfmError('usage', '--format svg needs Graphviz, which is not installed (Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz); --format dot prints the same graph as text');
  }
  if (run.status !== 0) throw new KfmError('check', `Graphviz dot failed (exit ${run.status ?? 'signal'}): ${(run.stderr || '').trim().split('\n')[0] ?? ''}`);
  return run.stdout;
}
