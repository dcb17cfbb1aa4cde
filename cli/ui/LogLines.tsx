import { Box, Text } from 'ink';
import type { LogLine } from './buildViewModel.js';

const MAX_ID_WIDTH = 32;

/** The latest task log lines, each tagged with its node and cut at the terminal's edge. */
export function LogLines({ logs }: { logs: readonly LogLine[] }) {
  const width = Math.min(MAX_ID_WIDTH, Math.max(0, ...logs.map((l) => l.id.length)));
  return (
    <Box flexDirection="column">
      {logs.map((l) => (
        <Text key={l.seq} wrap="truncate-end">
          <Text dimColor>{`${l.id.padEnd(width)} │ `}</Text>
          {l.level === 'info' ? l.message : <Text color={l.level === 'warn' ? 'yellow' : 'red'}>{`${l.level}: ${l.message}`}</Text>}
        </Text>
      ))}
    </Box>
  );
}
