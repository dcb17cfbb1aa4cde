import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { distUrl } from '../../core/distUrl.js';
import type { TaskFailure } from './job.js';
import { CorruptUpstreamError } from './corruptUpstreamError.js';

/** kfm's own layers below the tasks, compiled and as source: never a task's location. */
const KFM_LAYERS = ['core/', 'store/', 'engine/'];
const kfmDirs = KFM_LAYERS.flatMap((layer) => [fileURLToPath(distUrl(layer)), fileURLToPath(new URL(`../${layer}`, distUrl('')))]);

/**
 * Turns whatever a task threw into a TaskFailure located at the first stack frame inside
 * the project (the task's own code), shown relative to the project root.
 */
export function taskFailure(e: unknown, root: string): TaskFailure {
  if (!(e instanceof Error)) return { message: typeof e === 'string' && e !== '' ? e : `task threw ${describeThrown(e)}` };
  const error = e;
  const failure: TaskFailure = { message: error.message || error.name };
  const { code, path } = e as NodeJS.ErrnoException;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    failure.message = `disk full${path ? ` at ${relative(root, path) || path}` : ''} (${error.message}): free some space and build again`;
  }
  if (error instanceof CorruptUpstreamError) failure.corruptUpstream = error.corrupt;
  if (error.stack) {
    failure.stack = error.stack;
    const location = projectFrame(error.stack, root);
    if (location) failure.location = location;
  }
  return failure;
}

/** A thrown non-Error, as a user reads it: `undefined`, `null`, `42`, `{"code":1}`, `a function`. */
function describeThrown(e: unknown): string {
  if (e === undefined || e === null || typeof e === 'number' || typeof e === 'boolean' || typeof e === 'bigint') return String(e);
  if (e === '') return 'an empty string';
  if (typeof e === 'function') return 'a function';
  if (typeof e === 'symbol') return String(e);
  let text: string | undefined;
  try {
    text = JSON.stringify(e);
  } catch {
    text = undefined;
  }
  const name = (e as { constructor?: { name?: string } }).constructor?.name;
  const kind = name && name !== 'Object' ? `an instance of ${name}` : 'an object';
  if (text === undefined || text === '{}') return kind;
  return `${kind}: ${text.length > 200 ? `${text.slice(0, 200)}…` : text}`;
}

function projectFrame(stack: string, root: string): string | undefined {
  for (const line of stack.split('\n').slice(1)) {
    const m = /\(?((?:file:\/\/)?\/[^()\s]*?):(\d+):(\d+)\)?\s*$/.exec(line);
    if (!m) continue;
    let file = m[1]!.split('?')[0]!;
    if (file.startsWith('file://')) file = fileURLToPath(file);
    if (file.includes('/node_modules/') || kfmDirs.some((dir) => file.startsWith(dir))) continue;
    const rel = relative(root, file);
    if (rel.startsWith('..')) continue;
    return `${rel}:${m[2]}:${m[3]}`;
  }
  return undefined;
}
