import { dirname } from 'node:path';
import type { CodeDigester } from '../keys/codeDigest.js';
import { moduleFiles } from './moduleFiles.js';
import { WatchPlan } from './watchPlan.js';

/**
 * The plan while the kfmfile does not load (or names an unknown target): what the previous
 * plan watched, and the kfmfile's files as far as they parse; any change retries.
 */
export async function brokenKfmfilePlan(kfmfile: string, code: CodeDigester, previous?: WatchPlan): Promise<WatchPlan> {
  // A kfmfile that does not parse lists no imports: the ones it had stay watched.
  const kfmfileFiles = new Set([...(await moduleFiles(kfmfile, code)), ...(previous?.parts.kfmfileFiles ?? [])]);
  return new WatchPlan({
    root: dirname(kfmfile),
    kfmfileFiles,
    owners: previous?.parts.owners ?? new Map(),
    globs: previous?.parts.globs ?? [],
    retryAny: true,
  });
}
