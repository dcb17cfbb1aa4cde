import { randomBytes } from 'node:crypto';

/** A run id: `<iso8601 basic>-<8 hex>`, sortable by start time. */
export function newRunId(date = new Date()): string {
  return `${date.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomBytes(4).toString('hex')}`;
}
