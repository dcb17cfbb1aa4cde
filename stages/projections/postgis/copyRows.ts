import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

/** About how many characters of COPY text are gathered before a chunk is written. */
const CHUNK_CHARS = 1 << 18;

/**
 * Streams rows into `COPY <table> (<columns>) FROM STDIN` (text format) on the client's
 * connection, inside whatever transaction it is in: one round of the COPY protocol, not a
 * statement per row. `line` gives a row's COPY text (newline-terminated); lines go out in
 * chunks of about 256 KiB, made while the server reads the previous ones. Returns the row
 * count the server reports.
 */
export async function copyRows<T>(client: pg.Client, table: string, columns: string[], rows: Iterable<T>, line: (row: T, index: number) => string): Promise<number> {
  const stream = client.query(copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN`));
  await pipeline(Readable.from(chunks(rows, line)), stream);
  return stream.rowCount;
}

function* chunks<T>(rows: Iterable<T>, line: (row: T, index: number) => string): Generator<Buffer> {
  let chunk = '';
  let i = 0;
  for (const row of rows) {
    chunk += line(row, i++);
    if (chunk.length >= CHUNK_CHARS) {
      yield Buffer.from(chunk);
      chunk = '';
    }
  }
  if (chunk !== '') yield Buffer.from(chunk);
}
