import { relative, isAbsolute } from 'node:path';
import { KfmError } from '../core/error.js';

/**
 * An error the operating system or SQLite raised (disk full, a read-only or missing
 * directory, a file where a directory belongs, a damaged database), as a KfmError naming the
 * path and what to do; undefined for anything else (a real internal error). The last line of
 * defence: the seams that know the file name it themselves (`.kfm/lock.db`, `state.db`).
 */
export function systemError(e: unknown, cwd: string): KfmError | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const { code, path } = e as { code?: unknown; path?: unknown };
  if (typeof code !== 'string') return undefined;
  const where = typeof path === 'string' ? shown(path, cwd) : undefined;
  const at = where === undefined ? '' : ` at ${where}`;
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return new KfmError('store', `disk full${at}: free some space and run again`);
    case 'SQLITE_FULL':
      return new KfmError('store', `disk full at .kfm/ (writing kfm's databases): free some space and run again`);
    case 'EROFS':
      return new KfmError('state', `read-only file system${at}: kfm writes its store and state under .kfm/ and the data/ tree; build where those are writable`);
    case 'EACCES':
    case 'EPERM':
      return new KfmError('state', `permission denied${at}: kfm needs to write there (check its owner and mode)`);
    case 'ENOTDIR':
      return new KfmError('state', `not a directory${at}: a file stands where kfm keeps a directory (e.g. .kfm, data/ or registry/); move it away and run again`);
    case 'EISDIR':
      return new KfmError('state', `is a directory${at}: kfm expected a file there; move it away and run again`);
    case 'EMFILE':
    case 'ENFILE':
      return new KfmError('store', `too many open files${where === undefined ? '' : ` (opening ${where})`}: raise the limit (ulimit -n) or lower --jobs`);
    case 'SQLITE_READONLY':
    case 'SQLITE_READONLY_DIRECTORY':
    case 'SQLITE_CANTOPEN':
      return new KfmError('state', `cannot write kfm's databases under .kfm/ (${code}): check that the directory is writable`);
    case 'SQLITE_NOTADB':
    case 'SQLITE_CORRUPT':
      return new KfmError('state', `a database under .kfm/ is damaged (${code}): run kfm receipts verify, and restore .kfm/ from a backup or remove the damaged file`);
    case 'SQLITE_IOERR':
      return new KfmError('store', `I/O error writing kfm's databases under .kfm/ (${code}): check the disk`);
    default:
      return code.startsWith('SQLITE_IOERR') ? new KfmError('store', `I/O error writing kfm's databases under .kfm/ (${code}): check the disk`) : undefined;
  }
}

function shown(path: string, cwd: string): string {
  if (!isAbsolute(path)) return path;
  const rel = relative(cwd, path);
  return rel === '' || rel.startsWith('..') ? path : rel;
}
