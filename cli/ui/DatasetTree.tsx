import { Box, Text } from 'ink';
import { unreachable } from '../../core/error.js';
import { NODE_STATES, type BuildViewState } from './buildViewModel.js';
import { DatasetLine } from './DatasetLine.js';
import { groupDigits } from './formatQuantity.js';
import { NodeLine } from './NodeLine.js';
import { STATUS_STYLE } from './statusStyle.js';
import { treeRows, type TreeRow } from './treeRows.js';

const MAX_NAME_WIDTH = 24;

interface Props {
  state: BuildViewState;
  now: number;
  /** Rows the tree may use; it shows less detail rather than grow past them. */
  maxRows: number;
}

/** Datasets and their nodes: large datasets as one summary line, and never more rows than fit. */
export function DatasetTree({ state, now, maxRows }: Props) {
  const rows = treeRows(state, maxRows);
  const widths = nameWidths(rows);
  return (
    <Box flexDirection="column">
      {rows.map((row) => {
        switch (row.type) {
          case 'dataset':
            return <DatasetLine key={`d:${row.dataset.slug}`} dataset={row.dataset} summary={row.summary} />;
          case 'node':
            return <NodeLine key={`n:${row.node.id}`} node={row.node} now={now} last={row.last} nameWidth={widths.get(row.node.dataset) ?? 0} />;
          case 'more': {
            const parts = NODE_STATES.filter((s) => row.counts[s] > 0).map((s) => `${groupDigits(row.counts[s])} ${STATUS_STYLE[s].label}`);
            return (
              <Text key="more" dimColor wrap="truncate-end">
                {`… ${row.datasets > 0 ? `${groupDigits(row.datasets)} more dataset${row.datasets === 1 ? '' : 's'}` : 'more'}${parts.length > 0 ? `: ${parts.join(' · ')}` : ''}`}
              </Text>
            );
          }
          default:
            return unreachable(row);
        }
      })}
    </Box>
  );
}

/** The longest listed task name per dataset (capped), so each dataset's columns line up. */
function nameWidths(rows: TreeRow[]): Map<string, number> {
  const widths = new Map<string, number>();
  for (const row of rows) {
    if (row.type !== 'node') continue;
    const w = Math.min(MAX_NAME_WIDTH, row.node.task.length);
    if (w > (widths.get(row.node.dataset) ?? 0)) widths.set(row.node.dataset, w);
  }
  return widths;
}
