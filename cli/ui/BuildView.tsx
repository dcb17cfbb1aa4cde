import { Box, Text } from 'ink';
import type { BuildViewState } from './buildViewModel.js';
import { CountsLine } from './CountsLine.js';
import { DatasetTree } from './DatasetTree.js';
import { FailureDetails } from './FailureDetails.js';
import { formatElapsed } from './formatDuration.js';
import { Header } from './Header.js';
import { LogLines } from './LogLines.js';
import { watchLineText } from '../reporters/watchLineText.js';

/** Failures listed in full; the rest are counted. */
const FAILURES_SHOWN = 3;

/** The tree keeps at least this many rows, however small the terminal. */
const MIN_TREE_ROWS = 3;

interface Props {
  state: BuildViewState;
  /** The clock (ms), for elapsed times and the indeterminate progress marker. */
  now: number;
  /** The terminal's height; the frame stays below it so Ink can redraw in place. */
  rows?: number;
}

/**
 * The whole frame: header, lock wait, dataset tree, failures, recent logs, notices, counts. Its
 * height is bounded by `rows`: the tree gets what the other sections leave. In watch mode,
 * the change a build is for goes above it and a change during it above the counts; between
 * builds the frame is the watcher's line (and a kfmfile error).
 */
export function BuildView({ state, now, rows = Number.POSITIVE_INFINITY }: Props) {
  const failures = state.failures.slice(0, FAILURES_SHOWN);
  const hiddenFailures = state.failureTotal - failures.length;
  const failureHeight = failures.reduce((h, f) => h + (f.location ? 2 : 1), 0) + (hiddenFailures > 0 ? 1 : 0);
  const lockHeight = state.phase === 'waiting-lock' ? 1 : 0;
  const watch = state.watch;
  const changed = watch?.changed ? (
    <Text color="cyan" wrap="truncate-end">
      {watchLineText.change(watch.changed)}
    </Text>
  ) : null;
  const pending = watch?.pending ? (
    <Text color="yellow" wrap="truncate-end">
      {watchLineText.pending(watch.pending.paths, watch.pending.interrupt)}
    </Text>
  ) : null;
  const notices = state.notices.map((text, i) => (
    <Text key={`notice:${i}`} color="yellow" wrap="truncate-end">
      {text}
    </Text>
  ));
  if (watch && state.runId === undefined && state.phase !== 'waiting-lock') {
    // Watch mode between builds: what is watched, the change, or why the kfmfile did not load.
    return (
      <Box flexDirection="column">
        {watch.waiting ? (
          <Text dimColor wrap="truncate-end">
            {watchLineText.waiting(watch.waiting.files, watch.waiting.patterns)}
          </Text>
        ) : null}
        {changed}
        {failures.length > 0 ? <FailureDetails failures={failures} hidden={hiddenFailures} /> : null}
        {pending}
        {notices}
      </Box>
    );
  }
  const watchHeight = (changed ? 1 : 0) + (pending ? 1 : 0);
  // Header, counts line and the line the cursor rests on after the frame.
  const treeRows = Math.max(MIN_TREE_ROWS, rows - 3 - lockHeight - failureHeight - state.logs.length - state.notices.length - watchHeight);
  return (
    <Box flexDirection="column">
      {changed}
      <Header state={state} />
      {state.phase === 'waiting-lock' ? (
        <Text color="yellow" wrap="truncate-end">
          {`waiting for the project lock held by ${state.lockHolder ?? 'another build'}`}
          {state.lockWaitingSince === undefined ? '' : ` (${formatElapsed(now - state.lockWaitingSince)})`}
        </Text>
      ) : null}
      <DatasetTree state={state} now={now} maxRows={treeRows} />
      {failures.length > 0 ? <FailureDetails failures={failures} hidden={hiddenFailures} /> : null}
      {state.logs.length > 0 ? <LogLines logs={state.logs} /> : null}
      {notices}
      {pending}
      {state.phase === 'waiting-lock' ? null : <CountsLine state={state} now={now} />}
    </Box>
  );
}
