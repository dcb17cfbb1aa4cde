import { Text } from 'ink';
import type { BuildViewState } from './buildViewModel.js';
import { formatElapsed, formatSeconds } from './formatDuration.js';
import { groupDigits } from './formatQuantity.js';

/**
 * While building: `building: 2 running, 1 executed, 5 cached, 0 failed, 0 skipped, 4 queued (12 nodes) 1.2s`.
 * At the end, the plain reporter's last line: `build succeeded: 3 executed, 9 cached, 0 failed, 0 skipped in 1.23s`.
 */
export function CountsLine({ state, now }: { state: BuildViewState; now: number }) {
  const c = state.counts;
  const settled = `${groupDigits(c.done)} executed, ${groupDigits(c.cached)} cached, ${groupDigits(c.failed)} failed, ${groupDigits(c.skipped)} skipped`;
  if (state.phase === 'ended') {
    const status = state.status ?? 'stopped';
    const color = status === 'succeeded' ? 'green' : status === 'interrupted' ? 'yellow' : 'red';
    const took = state.durationMs === undefined ? '' : ` in ${formatSeconds(state.durationMs)}`;
    return (
      <Text wrap="truncate-end">
        <Text color={color} bold>{`build ${status}`}</Text>
        {`: ${settled}${took}`}
      </Text>
    );
  }
  const elapsed = state.startedAt === undefined ? '' : ` ${formatElapsed(now - state.startedAt)}`;
  return (
    <Text wrap="truncate-end">
      <Text color="cyan" bold>
        building
      </Text>
      {`: ${groupDigits(c.running)} running, ${settled}, ${groupDigits(c.queued)} queued (${groupDigits(state.nodes.size)} nodes)${elapsed}`}
    </Text>
  );
}
