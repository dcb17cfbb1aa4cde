import { Box, Text } from 'ink';
import type { FailureView } from './buildViewModel.js';

interface Props {
  failures: readonly FailureView[];
  /** Failures not listed (the build saw more than fit). */
  hidden: number;
}

/** `✗ a/bad: expected at least 3 rows` and, below it, `at t.ts:14:11`. */
export function FailureDetails({ failures, hidden }: Props) {
  return (
    <Box flexDirection="column">
      {failures.map((f, i) => (
        <Box key={i} flexDirection="column">
          <Text color="red" wrap="truncate-end">
            {'✗ '}
            <Text bold>{f.id ?? 'kfm'}</Text>: {f.message}
          </Text>
          {f.location ? <Text dimColor wrap="truncate-end">{`    at ${f.location}`}</Text> : null}
        </Box>
      ))}
      {hidden > 0 ? <Text color="red">{`… and ${hidden} more failure${hidden === 1 ? '' : 's'}`}</Text> : null}
    </Box>
  );
}
