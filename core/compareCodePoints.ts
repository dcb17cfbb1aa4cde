/** A plain, locale-free string order for stable sorting (never `localeCompare`). */
export function compareCodePoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
