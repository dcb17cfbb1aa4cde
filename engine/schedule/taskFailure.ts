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
  const error = e instanceof Error ? e : new Error(typeof e === 'string' ? e : JSON.stringify(e));
  const failure: TaskFailure = { message: error.message || error.name };
  if (error instanceof CorruptUpstreamError) failure.corruptUpstream = error.corrupt;
  if (error.stack) {
    failure.stack = error.stack;
    const location = projectFrame(error.stack, root);
    if (location) failure.location = location;
  }
  return failure;
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
