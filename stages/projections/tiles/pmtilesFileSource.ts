/** A pmtiles `Source` over a local file (the package's own FileSource wants a browser File). */
import { closeSync, openSync, readSync } from 'node:fs';
import type { RangeResponse, Source } from 'pmtiles';

export class PmtilesFileSource implements Source {
  constructor(readonly path: string) {}

  getKey(): string {
    return this.path;
  }

  async getBytes(offset: number, length: number): Promise<RangeResponse> {
    const fd = openSync(this.path, 'r');
    try {
      const buf = Buffer.alloc(length);
      const n = readSync(fd, buf, 0, length, offset);
      return { data: buf.buffer.slice(buf.byteOffset, buf.byteOffset + n) as ArrayBuffer };
    } finally {
      closeSync(fd);
    }
  }
}
