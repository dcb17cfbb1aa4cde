import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';
import { canonicalDigest } from '../../core/canonicalJson.js';
import type { Digest } from '../../core/digest.js';
import { distUrl } from '../../core/distUrl.js';
import type { FileHasher } from './fileHasher.js';
import { KfmError, type Location } from '../../core/error.js';
import { compareCodePoints, type FileSystem } from '../../core/fs.js';
import { moduleImports } from './moduleImports.js';

export const CODE_DIGEST_VERSION = 1;

/** A task's code: its module and every local module it imports, each with its digest. */
export interface CodeDigest {
  digest: Digest;
  /** [label, digest] sorted by label; a label is a project-relative path or `kfm:<path>`. */
  files: [string, Digest][];
}

/**
 * Digests of task code. A module's code digest covers its own bytes and, transitively, the
 * bytes of every relative import (`./x.js` resolving to `./x.ts` too). Package imports are
 * not followed: their versions are pinned by the lock file. Import lists are cached by
 * content digest, so an unchanged module is never parsed again.
 */
export class CodeDigester {
  readonly #fs: FileSystem;
  readonly #hasher: FileHasher;
  readonly #root: string;
  readonly #kfmRoot = dirname(fileURLToPath(distUrl('x')));
  readonly #importCache: Map<Digest, string[]>;
  readonly #newImports: [Digest, string[]][] = [];
  readonly #memo = new Map<string, Promise<CodeDigest>>();

  constructor(fs: FileSystem, hasher: FileHasher, root: string, importCache: Map<Digest, string[]>) {
    this.#fs = fs;
    this.#hasher = hasher;
    this.#root = root;
    this.#importCache = importCache;
  }

  digestOf(modulePath: string): Promise<CodeDigest> {
    let p = this.#memo.get(modulePath);
    if (!p) this.#memo.set(modulePath, (p = this.#compute(modulePath)));
    return p;
  }

  /** Import lists parsed during this run, to persist. */
  newImports(): [Digest, string[]][] {
    return this.#newImports;
  }

  /**
   * Every file that makes up the module (for watch mode). With `partial`, a file that is
   * missing or does not parse is listed (a watcher waits for its fix) instead of throwing,
   * and the rest of the imports are still followed.
   */
  async filesOf(modulePath: string, options: { partial?: boolean } = {}): Promise<string[]> {
    const seen = new Set<string>();
    await this.#visit(modulePath, seen, [], options.partial ?? false);
    return [...seen];
  }

  async #compute(modulePath: string): Promise<CodeDigest> {
    const files: [string, Digest][] = [];
    await this.#visit(modulePath, new Set(), files);
    files.sort((a, b) => compareCodePoints(a[0], b[0]));
    return { digest: canonicalDigest({ kfm_code_version: CODE_DIGEST_VERSION, files }), files };
  }

  async #visit(path: string, seen: Set<string>, out: [string, Digest][], partial = false): Promise<void> {
    if (seen.has(path)) return;
    seen.add(path);
    let imports: string[];
    try {
      imports = await this.#importsOf(path, out);
    } catch (e) {
      if (partial) return;
      throw e;
    }
    for (const spec of imports) {
      if (!spec.startsWith('./') && !spec.startsWith('../')) continue;
      const target = this.#resolveLocal(resolve(dirname(path), spec));
      if (target) await this.#visit(target, seen, out, partial);
    }
  }

  /** A module's import specifiers (parsed once per content digest); its digest goes to `out`. */
  async #importsOf(path: string, out: [string, Digest][]): Promise<string[]> {
    const digest = this.#hasher.digest(path, this.#label(path));
    out.push([this.#label(path), digest]);
    let imports = this.#importCache.get(digest);
    if (!imports) {
      try {
        imports = await moduleImports(this.#fs.readFile(path).toString('utf8'), path);
      } catch (e) {
        throw syntaxError(e, this.#label(path)) ?? e;
      }
      this.#importCache.set(digest, imports);
      this.#newImports.push([digest, imports]);
    }
    return imports;
  }

  #resolveLocal(base: string): string | undefined {
    const candidates = /\.js$/.test(base)
      ? [base, base.replace(/\.js$/, '.ts'), base.replace(/\.js$/, '.tsx')]
      : /\.(ts|tsx|mjs|mts)$/.test(base)
        ? [base]
        : [`${base}.ts`, `${base}.js`, `${base}/index.ts`, `${base}/index.js`];
    return candidates.find((c) => this.#fs.stat(c) !== undefined);
  }

  #label(path: string): string {
    const inKfm = relative(this.#kfmRoot, path);
    if (!inKfm.startsWith('..')) return `kfm:${inKfm.split(sep).join('/')}`;
    return relative(this.#root, path).split(sep).join('/');
  }
}

/**
 * A module swc cannot parse, as a kfmfile error (exit 2) at the line swc marks, instead of
 * swc's multi-line report with its native backtrace. Anything else is not ours to rename.
 */
function syntaxError(e: unknown, label: string): KfmError | undefined {
  const text = stripVTControlCharacters(e instanceof Error ? e.message : String(e));
  if (!/\bSyntax Error\b/.test(text)) return undefined;
  const lines = text.split('\n');
  const message = lines.find((l) => l.trim() !== '')?.trim().replace(/^[x×]\s+/, '') ?? 'syntax error';
  // swc draws ` 12 | source` and, under it, `   :   ^` (columns there count a tab as spaces: only the line is kept);
  // on a terminal, ` 12 │ source` and `   ·   ─`.
  const loc: Location = { file: label };
  const caret = lines.findIndex((l) => /^\s*[:·]\s*[\^─┬]/.test(l));
  const numbered = caret > 0 ? /^\s*(\d+) [|│]/.exec(lines[caret - 1]!) : null;
  if (numbered) loc.line = Number(numbered[1]);
  return new KfmError('kfmfile', `cannot parse ${label}: ${message}`, loc);
}
