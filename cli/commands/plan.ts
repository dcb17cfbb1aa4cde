import type { Digest } from '../../core/digest.js';
import type { DirtyReason } from '../../engine/keys/dirtyReason.js';
import { describeReason } from '../../engine/keys/describeReason.js';
import { KfmError } from '../../core/error.js';
import type { Assessment } from '../../engine/plan/planner.js';
import { Project, loadGraph } from '../../engine/load/project.js';
import { parseTarget, targetNodes } from '../../engine/graph/target.js';
import type { CliContext } from '../cliContext.js';
import type { Graph } from '../../engine/graph/graph.js';

export const PLAN_REPORT_VERSION = 'v1';

/** What would happen to each node: run (its own parts changed), pending (waits on an upstream that runs), cached. */
export type PlanAction = 'run' | 'pending' | 'cached';

export interface PlannedNode {
  id: string;
  action: PlanAction;
  key: Digest | null;
  previous_key: Digest | null;
  reasons: DirtyReason[];
  /** The task declares `nondeterministic: true` (absent otherwise). */
  nondeterministic?: true;
}

/**
 * Assesses the targets' nodes without running or writing anything; with `--force`, the
 * nodes the targets name (every node when none is named) as `kfm build --force` would.
 */
export async function assessTargets(cli: CliContext, only?: (id: string) => boolean): Promise<PlannedNode[]> {
  const graph = await loadGraph(cli.project);
  const project = new Project(graph);
  try {
    const targets = cli.positionals.map((t) => parseTarget(t, graph));
    const { planner } = await project.planner();
    const scope = planner.scope(targets);
    await planner.prepare(scope);
    const forced = cli.force ? (targets.length === 0 ? scope : targetNodes(graph, targets)) : [];
    const assessed = await planner.assess(scope, new Set(forced));
    return groupedBuildOrder(graph, scope)
      .filter((id) => !only || only(id))
      .map((id) => ({ ...toPlanned(assessed.get(id)!), ...(graph.nodes.get(id)!.nondeterministic ? { nondeterministic: true as const } : {}) }));
  } finally {
    await project.close();
  }
}

/**
 * The scope in build order, grouped by dataset and otherwise in kfmfile order: datasets as
 * declared, each moved after the datasets it needs; a dataset's nodes as declared, each after
 * its dependencies. (When two datasets need each other's nodes, grouping wins over strict
 * order for the second one reached.)
 */
export function groupedBuildOrder(graph: Graph, scope: readonly string[]): string[] {
  const wanted = new Set(scope);
  const order: string[] = [];
  const placed = new Set<string>();
  const started = new Set<string>();
  const visitNode = (id: string, dataset: string): void => {
    if (placed.has(id) || !wanted.has(id)) return;
    placed.add(id);
    for (const dep of graph.nodes.get(id)!.deps) if (graph.nodes.get(dep)!.dataset === dataset) visitNode(dep, dataset);
    order.push(id);
  };
  const visitDataset = (slug: string): void => {
    if (started.has(slug)) return;
    started.add(slug);
    const nodes = graph.datasets.get(slug)!.nodes.filter((id) => wanted.has(id));
    for (const id of nodes) for (const dep of graph.nodes.get(id)!.deps) visitDataset(graph.nodes.get(dep)!.dataset);
    for (const id of nodes) visitNode(id, slug);
  };
  for (const slug of graph.datasets.keys()) visitDataset(slug);
  return order;
}

function toPlanned(a: Assessment): PlannedNode {
  const own = a.reasons.filter((r) => r.type !== 'upstream-pending');
  const action: PlanAction = !a.dirty ? 'cached' : own.length > 0 ? 'run' : 'pending';
  return { id: a.id, action, key: a.key, previous_key: a.previousKey, reasons: a.reasons };
}

export async function planCommand(cli: CliContext): Promise<number> {
  const nodes = await assessTargets(cli);
  if (cli.reporter === 'json') {
    cli.out(JSON.stringify({ kfm_plan_version: PLAN_REPORT_VERSION, targets: cli.positionals, nodes }, null, 2) + '\n');
    return 0;
  }
  const width = Math.max(0, ...nodes.map((n) => n.id.length));
  for (const n of nodes) {
    // Reasons line up in one column; a cached node has none, and no trailing blanks.
    const line = n.action === 'cached' ? n.id : `${n.id.padEnd(width)}  ${n.reasons.map(describeReason).join('; ')}`;
    cli.out(`${n.action.padEnd(7)} ${line}${n.nondeterministic ? '  (declared nondeterministic)' : ''}\n`);
  }
  const count = (a: PlanAction) => nodes.filter((n) => n.action === a).length;
  cli.out(`plan: ${count('run')} to run, ${count('pending')} pending on upstream, ${count('cached')} cached\n`);
  return 0;
}

export async function explainCommand(cli: CliContext): Promise<number> {
  const [target, task] = cli.positionals;
  if (!target || cli.positionals.length > 2 || (target.includes('/') && task !== undefined)) {
    throw new KfmError('usage', 'usage: kfm explain <dataset>[@slice] [task], or kfm explain <dataset>[@slice]/<task>');
  }
  const dataset = target.split(/[@/]/)[0]!;
  // `ks_counties/qa` names the node as a build target does; `ks_counties qa` as before.
  const wanted = target.includes('/') ? `${dataset}/${target.slice(target.indexOf('/') + 1)}` : task === undefined ? undefined : task.includes('/') ? task : `${dataset}/${task}`;
  const nodes = await assessTargets({ ...cli, positionals: [target] }, wanted ? (id) => id === wanted : undefined);
  if (wanted && nodes.length === 0) {
    throw new KfmError('usage', `task "${wanted}" is not part of ${target}`);
  }
  if (cli.reporter === 'json') {
    cli.out(
      JSON.stringify(
        {
          kfm_explain_version: PLAN_REPORT_VERSION,
          target,
          nodes: nodes.map((n) => ({ ...n, explanations: n.reasons.map(describeReason) })),
        },
        null,
        2,
      ) + '\n',
    );
    return 0;
  }
  for (const n of nodes) {
    const head = n.action === 'cached' ? `up to date (key ${n.key})` : n.action === 'run' ? 'will run' : 'waits on upstream';
    cli.out(`${n.id}: ${head}\n`);
    for (const r of n.reasons) cli.out(`  - ${describeReason(r)}\n`);
  }
  return 0;
}
