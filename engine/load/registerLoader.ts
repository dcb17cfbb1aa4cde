import { readFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { distUrl } from '../../core/distUrl.js';

let registered = false;

/**
 * Where compiled TypeScript is cached: `$KFM_CACHE_DIR`, else `$XDG_CACHE_HOME/kfm/compiled`,
 * else `~/.cache/kfm/compiled`. Entries are content-addressed, so sharing is safe.
 */
export function compileCacheDir(): string | null {
  if (process.env.KFM_CACHE_DIR === '') return null;
  if (process.env.KFM_CACHE_DIR) return join(process.env.KFM_CACHE_DIR, 'compiled');
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'kfm', 'compiled');
}

function swcVersion(): string {
  try {
    const require = createRequire(import.meta.url);
    const pkg = require.resolve('@swc/core/package.json');
    return (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** Registers kfm's TypeScript loader hooks in this thread (once). */
export function registerLoader(): void {
  if (registered) return;
  registered = true;
  process.setSourceMapsEnabled(true);
  register(distUrl('engine/load/loaderHook.js'), {
    data: { apiUrl: distUrl('api/index.js').href, cacheDir: compileCacheDir(), swcVersion: swcVersion() },
  });
}
