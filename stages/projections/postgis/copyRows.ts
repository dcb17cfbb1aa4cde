import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { copyLine } from './copyText.js';

/** Rows per chunk written to the COPY stream. */
const CHUNK_ROWS = 1000;

/**
 * Streams rows into `COPY <table> (<columns>) FROM STDIN` (text format) on the client's
 * connection, inside whatever transaction it is in: one round of the COPY protocol, not a
 * statement per row.
 */
export async function copyRows<T>(client: pg.Client, table: string, columns: string[], rows: Iterable<T>, fields: (row: T) => (string | number | null)[]): Promise<void> {
  const stream = client.query(copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN`));
  await pipeline(Readable.from(chunks(rows, fields)), stream);
}

function* chunks<T>(rows: Iterable<T>, fields: (row: T) => (string | number | null)[]): Generator<string> {
  let chunk = '';
  let n = 0;
  for (const row of rows) {
    chunk += copyLine(fields(row));
    if (++n === CHUNK_ROWS) {
      yield chunk;
      chunk = '';
      n = 0;
    }
  }
  if (chunk !== '') yield chunk;
}
