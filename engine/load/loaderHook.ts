/**
 * Node module hooks that let kfmfile.ts and task modules be TypeScript: `.ts` files are
 * compiled with swc on load, `.js` specifiers fall back to the `.ts` file beside them, and
 * the bare specifier `kfm` resolves to this kfm's own API. Registered in the main thread
 * and inside every worker thread (hooks do not cross threads).
 *
 * Compiled output is cached on disk by a digest of (path, source, swc version), so an
 * unchanged module never loads swc at all (its native binding costs tens of milliseconds).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface HookData {
  apiUrl: string;
  cacheDir: string | null;
  swcVersion: string;
}

let apiUrl = '';
let cacheDir: string | null = null;
let swcVersion = '';
let swc: typeof import('@swc/core') | undefined;

export function initialize(data: HookData): void {
  apiUrl = data.apiUrl;
  cacheDir = data.cacheDir;
  swcVersion = data.swcVersion;
}

type Resolve = (specifier: string, context: ResolveContext) => Promise<{ url: string; format?: string | null }>;
interface ResolveContext {
  parentURL?: string;
  conditions: string[];
}
type Load = (url: string, context: { format?: string | null }) => Promise<{ format: string; source?: string | Buffer | null }>;

const TS_RE = /\.(ts|tsx|mts)$/;

export async function resolve(specifier: string, context: ResolveContext, next: Resolve) {
  if (specifier === 'kfm' && apiUrl) return { url: apiUrl, shortCircuit: true, format: 'module' };
  const isRelative = specifier.startsWith('./') || specifier.startsWith('../');
  // A module loaded as `x.ts?v=<code digest>` passes the version on to its local imports, so
  // changed task code (and everything it imports) loads afresh in a long-lived worker.
  const version = isRelative && context.parentURL?.includes('?v=') ? context.parentURL.slice(context.parentURL.indexOf('?v=')) : '';
  const withVersion = (r: { url: string; format?: string | null }) => (version && r.url.startsWith('file:') && !r.url.includes('?') ? { ...r, url: r.url + version } : r);
  try {
    return withVersion(await next(specifier, context));
  } catch (e) {
    const isPath = isRelative || specifier.startsWith('/');
    if (!isPath || (e as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw e;
    const candidates = /\.js$/.test(specifier)
      ? [specifier.replace(/\.js$/, '.ts'), specifier.replace(/\.js$/, '.tsx')]
      : [`${specifier}.ts`, `${specifier}/index.ts`];
    for (const c of candidates) {
      try {
        return withVersion(await next(c, context));
      } catch {
        // try the next candidate
      }
    }
    throw e;
  }
}

export async function load(url: string, context: { format?: string | null }, next: Load) {
  const path = url.startsWith('file:') ? fileURLToPath(url.split('?')[0]!) : '';
  if (!TS_RE.test(path)) return next(url, context);
  const source = readFileSync(path, 'utf8');
  const key = createHash('sha256').update(`${swcVersion}\0${path}\0`).update(source).digest('hex');
  const cached = cacheDir ? readCached(join(cacheDir, key.slice(0, 2), `${key.slice(2)}.js`)) : undefined;
  if (cached !== undefined) return { format: 'module', source: cached, shortCircuit: true };
  swc ??= await import('@swc/core');
  const { code } = swc.transformSync(source, {
    filename: path,
    swcrc: false,
    configFile: false,
    sourceMaps: 'inline',
    jsc: {
      parser: { syntax: 'typescript', tsx: path.endsWith('.tsx') },
      target: 'es2022',
      transform: { react: { runtime: 'automatic' } },
    },
    module: { type: 'es6' },
  });
  if (cacheDir) writeCached(join(cacheDir, key.slice(0, 2)), `${key.slice(2)}.js`, code);
  return { format: 'module', source: code, shortCircuit: true };
}

function readCached(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** Best effort: a cache that cannot be written only costs a recompile next time. */
function writeCached(dir: string, name: string, code: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    const tmp = join(dir, `.${name}.${randomBytes(6).toString('hex')}`);
    writeFileSync(tmp, code);
    renameSync(tmp, join(dir, name));
  } catch {
    // ignore
  }
}
