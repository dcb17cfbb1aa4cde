import type { BuildEvent } from '../../engine/run/event.js';

type NodeDeterminism = Extract<BuildEvent, { type: 'node-determinism' }>;
type DeterminismChecked = Extract<BuildEvent, { type: 'determinism-checked' }>;

/**
 * What `--verify-determinism` found for one node, as lines: a headline, then per differing
 * output its two digests and, for a text output, the first differing line.
 */
export function nodeDeterminismLines(e: NodeDeterminism): string[] {
  if (e.deterministic) return [`same     ${e.id}: both runs wrote the same bytes`];
  const what = e.declared ? 'declared nondeterministic' : 'NONDETERMINISTIC';
  if (e.error !== undefined) return [`differs  ${e.id}: ${what}: the second run failed: ${e.error}`];
  const lines = [`differs  ${e.id}: ${what}: ${e.differing.length} output${e.differing.length === 1 ? '' : 's'} differ${e.differing.length === 1 ? 's' : ''}`];
  for (const d of e.differing) {
    lines.push(`  ${d.name}: first run ${d.first ?? '(not written)'}, second run ${d.second ?? '(not written)'}`);
    const f = d.firstDifference;
    if (f) {
      lines.push(`    line ${f.line}, first run:  ${JSON.stringify(f.first)}`);
      lines.push(`    line ${f.line}, second run: ${JSON.stringify(f.second)}`);
    }
  }
  return lines;
}

/** The closing line of `--verify-determinism`. */
export function determinismCheckedText(e: DeterminismChecked): string {
  if (e.executed === 0) return 'determinism: 0 nodes executed: nothing checked';
  const sampled = e.checked < e.executed ? ` (a sample of ${e.checked} of ${e.executed} executed)` : '';
  const declared = e.nondeterministic - e.failing;
  const verdict = e.failing > 0 ? `${e.failing} nondeterministic` : 'all deterministic';
  return `determinism: ${e.checked} node${e.checked === 1 ? '' : 's'} checked${sampled}: ${verdict}${declared > 0 ? `, ${declared} declared nondeterministic` : ''}`;
}
