import { Text } from 'ink';
import { NODE_STATES, type DatasetView, type NodeState } from './buildViewModel.js';
import { groupDigits } from './formatQuantity.js';
import { STATUS_STYLE } from './statusStyle.js';

interface Props {
  dataset: DatasetView;
  /** Its nodes are not all listed below it: say how many are in each state. */
  summary: boolean;
}

/** `✓ ks_counties  4/4  version 2017.1a2b3c4d (retry)`, or for a collapsed dataset `▸ big  9,012/10,000  3 running · 9,000 cached · 997 queued`. */
export function DatasetLine({ dataset, summary }: Props) {
  const c = dataset.counts;
  const total = dataset.nodeIds.length;
  const settled = total - c.queued - c.running;
  const style = STATUS_STYLE[datasetState(dataset)];
  const parts = summary ? NODE_STATES.filter((s) => c[s] > 0).map((s) => `${groupDigits(c[s])} ${STATUS_STYLE[s].label}`) : [];
  return (
    <Text wrap="truncate-end">
      <Text color={style.color}>{style.glyph}</Text> <Text bold>{dataset.slug}</Text>
      <Text dimColor>{`  ${groupDigits(settled)}/${groupDigits(total)}`}</Text>
      {parts.length > 0 ? `  ${parts.join(' · ')}` : ''}
      {dataset.versionId ? <Text color="green">{`  version ${dataset.versionId}`}</Text> : null}
      {dataset.rerunMode ? <Text color="magenta">{` (${dataset.rerunMode})`}</Text> : null}
    </Text>
  );
}

/** A dataset's own state: failed if any node failed, running if any runs, done once all settled. */
function datasetState(ds: DatasetView): NodeState {
  const c = ds.counts;
  if (c.failed > 0) return 'failed';
  if (c.running > 0) return 'running';
  if (c.queued > 0) return c.queued === ds.nodeIds.length ? 'queued' : 'running';
  if (c.skipped > 0) return 'skipped';
  return c.done > 0 ? 'done' : 'cached';
}
