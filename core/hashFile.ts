import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import type { Digest } from './digest.js';

const CHUNK = 1 << 20;
let buffer: Buffer | undefined;

/** SHA-256 of a file's bytes, read synchronously in 1 MiB chunks into one reused buffer. */
export function hashFileSync(path: string): { digest: Digest; size: number } {
  buffer ??= Buffer.allocUnsafe(CHUNK);
  const hash = createHash('sha256');
  const fd = openSync(path, 'r');
  let size = 0;
  try {
    for (;;) {
      const n = readSync(fd, buffer, 0, CHUNK, null);
      if (n === 0) break;
      hash.update(n === CHUNK ? buffer : buffer.subarray(0, n));
      size += n;
    }
  } finally {
    closeSync(fd);
  }
  return { digest: `sha256:${hash.digest('hex')}`, size };
}
