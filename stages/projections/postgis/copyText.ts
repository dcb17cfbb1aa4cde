/**
 * A value as a field of PostgreSQL's COPY text format: `\N` for null; backslash, tab,
 * newline and carriage return escaped (copy.html, "Text Format").
 */
export function copyField(value: string | number | null): string {
  if (value === null) return '\\N';
  const s = typeof value === 'number' ? String(value) : value;
  return /[\\\t\n\r]/.test(s) ? s.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c]!) : s;
}

const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** A row of COPY text: its fields, tab-separated, newline-terminated. */
export function copyLine(fields: (string | number | null)[]): string {
  return fields.map(copyField).join('\t') + '\n';
}
