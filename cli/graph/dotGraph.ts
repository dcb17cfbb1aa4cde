import type { GraphReport } from './graphDocument.js';

const quote = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;

/** A node's label: its task name, and its operation when that is not the name too. */
export function nodeLabel(task: string, operation: string): string {
  return task === operation ? task : `${task}\n(${operation})`;
}

/** Graphviz DOT: one cluster per dataset, nodes labelled with their task and operation, edges upstream → downstream. */
export function dotGraph(doc: GraphReport): string {
  const byId = new Map(doc.nodes.map((n) => [n.id, n]));
  const lines = ['digraph kfm {', '  rankdir=LR;', '  node [shape=box, style=rounded, fontname="Helvetica"];'];
  doc.datasets.forEach((d, i) => {
    lines.push(`  subgraph cluster_${i} {`, `    label=${quote(d.dataset_slug)};`);
    for (const id of d.nodes) {
      const n = byId.get(id)!;
      lines.push(`    ${quote(id)} [label=${quote(nodeLabel(n.task, n.operation))}];`);
    }
    lines.push('  }');
  });
  for (const [from, to] of doc.edges) lines.push(`  ${quote(from)} -> ${quote(to)};`);
  lines.push('}');
  return lines.join('\n') + '\n';
}
