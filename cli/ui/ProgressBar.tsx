import { Text } from 'ink';
import type { Progress } from './buildViewModel.js';
import { progressBarText } from './progressBarText.js';

/** A task's reported progress: a bar, the percent and the amount done (see `progressBarText`). */
export function ProgressBar({ progress, now }: { progress: Progress; now: number }) {
  const { bar, percent, amount } = progressBarText(progress, now);
  return (
    <Text>
      <Text color="cyan">{bar}</Text>
      {percent ? ` ${percent}` : ''} {amount}
    </Text>
  );
}
