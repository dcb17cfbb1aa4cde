import fg from 'fast-glob';
import { isAbsolute, relative, resolve, sep } from 'node:path';

/** A glob input pattern: the directory it reads, and how deep below it a match lies. */
export interface GlobWatch {
  pattern: string;
  /** Absolute: the pattern's leading segments without glob characters. */
  base: string;
  /** Path segments of a match below `base` (Infinity with `**` or braces). */
  depth: number;
  /** The nodes that declare it. */
  nodes: string[];
}

/** A glob's static base directory and the depth of its matches below it. */
export function globBase(root: string, pattern: string): { base: string; depth: number } {
  const segments = pattern.split('/');
  let i = 0;
  while (i < segments.length - 1 && !fg.isDynamicPattern(segments[i]!)) i++;
  const rest = segments.slice(i);
  const depth = rest.some((s) => s.includes('**') || s.includes('{')) ? Infinity : rest.length;
  return { base: resolve(root, segments.slice(0, i).join('/') || '.'), depth };
}

/** Whether a path lies where the glob could match it: below its base, not too deep. */
export function withinGlob(g: GlobWatch, path: string): boolean {
  const d = depthBelow(g.base, path);
  return d !== undefined && d >= 1 && d <= g.depth;
}

/** Path segments of `path` below `base` (0 for `base` itself); undefined outside it. */
export function depthBelow(base: string, path: string): number | undefined {
  const rel = relative(base, path);
  if (rel === '') return 0;
  if (rel.startsWith('..') || isAbsolute(rel)) return undefined;
  return rel.split(sep).length;
}
