/**
 * The text a feature is found by in a search index: its `name` first, then every other
 * string property and every string in an array property (e.g. the `places` of a county),
 * in property order (codes such as a FIPS string included). Numbers are not text.
 */
export function searchText(properties: Record<string, unknown> | null): string {
  if (!properties) return '';
  let text = typeof properties.name === 'string' ? properties.name : '';
  const add = (s: string) => (text = text === '' ? s : `${text} ${s}`);
  for (const key in properties) {
    if (key === 'name') continue;
    const value = properties[key];
    if (typeof value === 'string') add(value);
    else if (Array.isArray(value)) for (const v of value) if (typeof v === 'string') add(v);
  }
  return text;
}
