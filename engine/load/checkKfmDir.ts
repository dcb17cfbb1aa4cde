import { statSync } from 'node:fs';
import { KfmError } from '../../core/error.js';

/**
 * `.kfm` must be a directory (or a symlink to one) when it exists; kfm creates it. Anything
 * else is a `state` error saying what to do, before anything opens a database in it.
 */
export function checkKfmDir(kfmDir: string): void {
  let st;
  try {
    st = statSync(kfmDir, { throwIfNoEntry: false });
  } catch (e) {
    throw new KfmError('state', `cannot use .kfm (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): kfm keeps its store, state and ledger there`);
  }
  if (!st || st.isDirectory()) return;
  throw new KfmError('state', `.kfm is not a directory: kfm keeps its store, state and ledger there; move the file away (mv .kfm .kfm.old) and run again`);
}
