import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { distUrl } from '../../core/distUrl.js';
import type { FileSystem } from '../../core/fs.js';

const BUILTINS = new Set(['generalize', 'ingest']);

/** Path of a built-in task module (`kfm:ingest` → dist/tasks/ingest.js, `kfm:generalize`). */
export function builtinModulePath(name: string): string {
  return fileURLToPath(distUrl(`tasks/${name}.js`));
}

/**
 * The file a task's `run` names: a built-in (`kfm:<name>`) or a path relative to the
 * project root, which must exist. `fail` reports a problem (for task `id`).
 */
export function taskModulePath(run: string, root: string, id: string, fs: FileSystem, fail: (m: string) => never): string {
  if (run.startsWith('kfm:')) {
    const name = run.slice(4);
    if (!BUILTINS.has(name)) fail(`task "${id}" uses unknown built-in task "${run}" (built-ins: ${[...BUILTINS].map((b) => `kfm:${b}`).join(', ')})`);
    return builtinModulePath(name);
  }
  const path = resolve(root, run);
  if (!fs.stat(path)) fail(`task module "${run}" of task "${id}" does not exist`);
  return path;
}
