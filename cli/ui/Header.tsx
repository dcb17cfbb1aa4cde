import { Text } from 'ink';
import type { BuildViewState } from './buildViewModel.js';

/** `kfm build 20250101T000000Z-1a2b3c4d · ks_counties, ks_places · 4 jobs`. */
export function Header({ state }: { state: BuildViewState }) {
  const targets = state.targets.length === 0 ? 'all datasets' : state.targets.join(', ');
  return (
    <Text wrap="truncate-end">
      <Text bold>kfm build</Text>
      <Text dimColor>{state.runId ? ` ${state.runId} · ${targets} · ${state.jobs} job${state.jobs === 1 ? '' : 's'}` : ''}</Text>
    </Text>
  );
}
