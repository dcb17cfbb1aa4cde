import type { GraphReport } from './graphDocument.js';
import { nodeLabel } from './dotGraph.js';

/**
 * A Mermaid flowchart: one subgraph per dataset. Mermaid ids cannot hold `/`, so nodes are
 * `n0`, `n1`, … in build order, labelled with their task and operation.
 */
export function mermaidGraph(doc: GraphReport): string {
  const ids = new Map(doc.nodes.map((n, i) => [n.id, `n${i}`]));
  const byId = new Map(doc.nodes.map((n) => [n.id, n]));
  const label = (s: string) => s.replace(/"/g, '#quot;');
  const lines = ['flowchart LR'];
  doc.datasets.forEach((d, i) => {
    lines.push(`  subgraph d${i}["${label(d.dataset_slug)}"]`);
    for (const id of d.nodes) {
      const n = byId.get(id)!;
      lines.push(`    ${ids.get(id)}["${label(nodeLabel(n.task, n.operation)).replace('\n', '<br/>')}"]`);
    }
    lines.push('  end');
  });
  for (const [from, to] of doc.edges) lines.push(`  ${ids.get(from)} --> ${ids.get(to)}`);
  return lines.join('\n') + '\n';
}
