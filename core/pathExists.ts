import { lstatSync } from 'node:fs';

/** Whether something (a file, a directory, a symlink, dangling or not) is at `path`; other errors than ENOENT are thrown. */
export function pathExists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}
