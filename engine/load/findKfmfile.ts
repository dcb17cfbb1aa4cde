import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export const KFMFILE_NAMES = ['kfmfile.ts', 'kfmfile.mjs', 'kfmfile.js'];

/** Walks up from `dir` to the first directory holding a kfmfile, like make and git. */
export function findKfmfile(dir: string): string | undefined {
  let current = resolve(dir);
  for (;;) {
    for (const name of KFMFILE_NAMES) {
      const candidate = join(current, name);
      if (existsSync(candidate)) return candidate;
    }
    const parent = dirname(current);
    if (parent === current) return undefined;
    current = parent;
  }
}
