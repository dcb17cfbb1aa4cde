import { statSync } from 'node:fs';
import { relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { stripVTControlCharacters } from 'node:util';
import type { KfmConfig } from '../../core/kfmConfig.js';
import { KfmError, type Location } from '../../core/error.js';
import { registerLoader } from './registerLoader.js';
import { v8SyntaxLocation } from './v8SyntaxLocation.js';

let generation = 0;

/**
 * Imports a kfmfile (TypeScript through swc) and returns its default export. Syntax errors,
 * errors thrown while it runs and a missing or malformed default export become KfmErrors
 * (exit 2) located in the file.
 */
export async function loadKfmfile(path: string, options: { fresh?: boolean } = {}): Promise<KfmConfig> {
  if (!statSync(path, { throwIfNoEntry: false })?.isFile()) {
    throw new KfmError('kfmfile', `kfmfile ${path} does not exist`);
  }
  registerLoader();
  const url = pathToFileURL(path);
  // A query string makes Node load a fresh copy (watch mode reloads an edited kfmfile).
  if (options.fresh) url.search = `?v=${++generation}`;
  let mod: { default?: unknown };
  try {
    mod = (await import(url.href)) as { default?: unknown };
  } catch (e) {
    const error = kfmfileError(e, path);
    if (e instanceof SyntaxError && error.location?.line === undefined) {
      const at = await v8SyntaxLocation(path);
      if (at) throw new KfmError('kfmfile', `syntax error: ${at.message}`, { file: shown(path), line: at.line, column: at.column });
    }
    throw error;
  }
  const config = mod.default;
  if (!isConfig(config)) {
    throw new KfmError(
      'kfmfile',
      'the kfmfile must `export default defineKfm({ datasets: [...] })`',
      { file: shown(path) },
    );
  }
  return config;
}

function isConfig(value: unknown): value is KfmConfig {
  return typeof value === 'object' && value !== null && Array.isArray((value as KfmConfig).datasets);
}

function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.startsWith('..') ? path : rel;
}

/** Turns a load-time error (swc syntax error, a throw in the kfmfile, a failed import) into a located KfmError. */
export function kfmfileError(e: unknown, path: string): KfmError {
  if (e instanceof KfmError) return e;
  // swc colours its report when stderr is a terminal.
  const message = stripVTControlCharacters(e instanceof Error ? e.message : String(e));
  // swc: "  x Expected ';', got 'foo'\n   ,-[/abs/kfmfile.ts:3:1]" (the frame line is the snippet start);
  // when stderr is a terminal, the same drawn with Unicode: "  × …\n   ╭─[…]", `│`, `·`, `─`.
  const swcHeadline = /^\s*[x×] (.+)$/m.exec(message);
  if (swcHeadline) {
    const loc = swcLocation(message, path);
    return new KfmError('kfmfile', `syntax error: ${swcHeadline[1]!.trim()}`, loc);
  }
  const stack = e instanceof Error && e.stack ? e.stack : '';
  const loc = stackLocation(stack, path);
  if (e instanceof SyntaxError) return new KfmError('kfmfile', `syntax error: ${message}`, loc ?? { file: shown(path) });
  return new KfmError('kfmfile', `error while loading the kfmfile: ${message}`, loc ?? { file: shown(path) });
}

/** The position of the `^` marker (or of the snippet) in swc's annotated message. */
function swcLocation(message: string, path: string): Location {
  const lines = message.split('\n');
  const frame = /(?:,-|╭─)\[(.+):(\d+):(\d+)\]/.exec(message);
  const file = frame ? frame[1]! : path;
  if (!frame) return { file: shown(file) };
  let line = Number(frame[2]);
  let column = Number(frame[3]);
  // Find the line carrying the caret: the numbered line before it is the error line.
  for (let i = 0; i < lines.length; i++) {
    const caret = /^\s*[:·]\s*(\s*)[\^─┬]/.exec(lines[i]!);
    if (!caret) continue;
    for (let j = i - 1; j >= 0; j--) {
      const numbered = /^\s*(\d+)\s[|│](.*)$/.exec(lines[j]!);
      if (numbered) {
        line = Number(numbered[1]);
        const prefix = /^\s*\d+\s[|│] ?/.exec(lines[j]!)![0].length;
        column = lines[i]!.search(/[\^─┬]/) - prefix + 1;
        break;
      }
    }
    break;
  }
  return { file: shown(file), line, column: Math.max(1, column) };
}

function stackLocation(stack: string, path: string): Location | undefined {
  const url = pathToFileURL(path).href;
  for (const line of stack.split('\n')) {
    const m = /\(?((?:file:\/\/)?\/[^()\s]*?):(\d+):(\d+)\)?\s*$/.exec(line);
    if (!m) continue;
    const file = m[1]!.split('?')[0]!;
    if (file === url || file === path) return { file: shown(path), line: Number(m[2]), column: Number(m[3]) };
  }
  return undefined;
}
