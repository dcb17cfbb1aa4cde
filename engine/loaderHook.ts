/**
 * Node module hooks that let kfmfile.ts and task modules be TypeScript: `.ts` files are
 * compiled with swc on load, `.js` specifiers fall back to the `.ts` file beside them, and
 * the bare specifier `kfm` resolves to this kfm's own API. Registered in the main thread
 * and inside every worker thread (hooks do not cross threads).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface HookData {
  apiUrl: string;
}

let apiUrl = '';
let swc: typeof import('@swc/core') | undefined;

export function initialize(data: HookData): void {
  apiUrl = data.apiUrl;
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
  try {
    return await next(specifier, context);
  } catch (e) {
    const isRelative = specifier.startsWith('./') || specifier.startsWith('../') || specifier.startsWith('/');
    if (!isRelative || (e as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw e;
    const candidates = /\.js$/.test(specifier)
      ? [specifier.replace(/\.js$/, '.ts'), specifier.replace(/\.js$/, '.tsx')]
      : [`${specifier}.ts`, `${specifier}/index.ts`];
    for (const c of candidates) {
      try {
        return await next(c, context);
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
  swc ??= await import('@swc/core');
  const source = readFileSync(path, 'utf8');
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
  return { format: 'module', source: code, shortCircuit: true };
}
