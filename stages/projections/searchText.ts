/**
 * The text a feature is found by in a search index: its `name` first, then every other
 * string property and every string in an array property (e.g. the `places` of a county),
 * in property order (codes such as a FIPS string included). Numbers are not text.
 */
export function searchText(properties: Record<string, unknown> | null): string {
  if (!properties) return '';
  const parts: string[] = [];
  if (typeof properties.name === 'string') parts.push(properties.name);
  for (const [key, value] of Object.entries(properties)) {
    if (key === 'name') continue;
    if (typeof value === 'string') parts.push(value);
    else if (Array.isArray(value)) for (const v of value) if (typeof v === 'string') parts.push(v);
  }
  return parts.join(' ');
}
