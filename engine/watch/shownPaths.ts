import { isAbsolute, relative, sep } from 'node:path';
import { compareCodePoints } from '../../core/fs.js';

/** Changed paths as events show them, sorted: project-relative with `/`; absolute outside the project. */
export function shownPaths(root: string, paths: Iterable<string>): string[] {
  return [...paths].map((p) => shownPath(root, p)).sort(compareCodePoints);
}

function shownPath(root: string, path: string): string {
  const rel = relative(root, path);
  return rel.startsWith('..') || isAbsolute(rel) ? path : rel.split(sep).join('/');
}
