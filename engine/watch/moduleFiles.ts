import { dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CodeDigester } from '../keys/codeDigest.js';
import { distUrl } from '../../core/distUrl.js';

const kfmDist = dirname(fileURLToPath(distUrl('x')));

/**
 * A module's files, kfm's own built-ins left out. A file that is missing or does not parse
 * is listed without its imports: fixing it starts a cycle, which finds them again.
 */
export async function moduleFiles(modulePath: string, code: CodeDigester): Promise<string[]> {
  const ours = (f: string) => relative(kfmDist, f).startsWith('..');
  if (!ours(modulePath)) return [];
  return (await code.filesOf(modulePath, { partial: true })).filter(ours);
}
