import { Text } from 'ink';
import { unreachable } from '../../core/error.js';
import { describeSkip } from '../../engine/run/describeSkip.js';
import type { SkipReason } from '../../engine/run/skipReason.js';
import type { NodeView } from './buildViewModel.js';
import { formatElapsed, formatSeconds } from './formatDuration.js';
import { ProgressBar } from './ProgressBar.js';
import { STATUS_STYLE } from './statusStyle.js';

interface Props {
  node: NodeView;
  /** The clock, for a running node's elapsed time. */
  now: number;
  /** Task names are padded to this width so the columns after them line up. */
  nameWidth: number;
  /** The last node listed under its dataset. */
  last: boolean;
}

/** `├─ ▸ fetch  [████░░░░]  42% 4.2 MiB/10.0 MiB  3.1s  no previous run`, cut at the terminal's edge. */
export function NodeLine({ node, now, nameWidth, last }: Props) {
  const style = STATUS_STYLE[node.state];
  return (
    <Text wrap="truncate-end">
      <Text dimColor>{last ? '  └─ ' : '  ├─ '}</Text>
      <Text color={style.color}>{style.glyph}</Text> {node.state === 'queued' ? <Text dimColor>{node.task.padEnd(nameWidth)}</Text> : node.task.padEnd(nameWidth)}
      {'  '}
      <NodeDetail node={node} now={now} />
    </Text>
  );
}

function NodeDetail({ node, now }: { node: NodeView; now: number }) {
  switch (node.state) {
    case 'running':
      return (
        <>
          {node.progress ? (
            <>
              <ProgressBar progress={node.progress} now={now} />
              {'  '}
            </>
          ) : null}
          <Text color="cyan">{formatElapsed(now - (node.startedAt ?? now))}</Text>
          {node.reason ? <Text dimColor>{`  ${node.reason}`}</Text> : null}
        </>
      );
    case 'done':
      return <Text dimColor>{node.durationMs === undefined ? '' : formatSeconds(node.durationMs)}</Text>;
    case 'failed':
      return <Text color="red">{node.durationMs === undefined ? 'failed' : `failed after ${formatSeconds(node.durationMs)}`}</Text>;
    case 'skipped':
      return <Text dimColor>{skipText(node.skippedBecause)}</Text>;
    case 'cached':
      return <Text dimColor>cached</Text>;
    case 'queued':
      return null;
    default:
      return unreachable(node.state);
  }
}

/** As the plain reporter words it: `skipped (a/bad failed)`, `skipped (interrupted)`. */
function skipText(because: SkipReason | undefined): string {
  return because === undefined ? 'skipped' : `skipped (${describeSkip(because)})`;
}
