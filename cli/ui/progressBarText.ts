import type { Progress } from './buildViewModel.js';
import { formatQuantity } from './formatQuantity.js';

export const BAR_WIDTH = 20;
const MARKER = 4;

/**
 * `[████████░░░░░░░░░░░░]  42% 42/100 features`. When the total is unknown, a marker
 * sweeps back and forth across the bar (its position follows the clock) and only the
 * amount done is shown.
 */
export function progressBarText(p: Progress, now: number): { bar: string; percent: string; amount: string } {
  const amount = formatQuantity(p.done, p.total, p.unit);
  if (p.total === undefined || p.total <= 0) {
    const span = BAR_WIDTH - MARKER;
    const step = Math.floor(now / 80) % (2 * span);
    const at = step <= span ? step : 2 * span - step;
    return { bar: `[${'░'.repeat(at)}${'█'.repeat(MARKER)}${'░'.repeat(span - at)}]`, percent: '', amount };
  }
  const fraction = Math.min(1, Math.max(0, p.done / p.total));
  const filled = Math.round(fraction * BAR_WIDTH);
  return {
    bar: `[${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}]`,
    percent: `${String(Math.floor(fraction * 100)).padStart(3)}%`,
    amount,
  };
}
